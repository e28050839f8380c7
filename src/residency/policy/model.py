"""The residency policy: the organisation's promise, as the rules read it."""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from residency.catalog import terraform_identifier
from residency.enforcement import Level
from residency.oci.regions import Region
from residency.policy.approvals import DEFAULT_MAX_DAYS, Approval

BUILTIN_SOURCE = "built-in default"


@dataclass(frozen=True)
class RuleSetting:
    level: Level
    unproven: Level | None = None  # None: the same as `level`

    @property
    def unproven_level(self) -> Level:
        return self.unproven or self.level


@dataclass(frozen=True)
class Classification:
    tag_namespace: str
    tag_key: str
    levels: tuple[str, ...]  # least to most strict
    protected: frozenset[str]

    @property
    def tag(self) -> str:
        """The key of the defined tag in a resource's `defined_tags`."""
        return f"{self.tag_namespace}.{self.tag_key}"

    @property
    def strictest(self) -> str:
        return self.levels[-1]

    def level_of(self, value: str) -> str | None:
        """The configured level a tag value names (OCI tag values are compared without case)."""
        wanted = value.strip().lower()
        return next((level for level in self.levels if level.lower() == wanted), None)

    def is_protected(self, level: str) -> bool:
        return level in self.protected


@dataclass(frozen=True)
class Waiver:
    rule: str  # rule id
    types: frozenset[str]  # the resource type as pulumi token and as Terraform type: a waiver covers one type
    resource: str  # URN, Terraform address or name; `*` and `?` are wildcards
    reason: str
    approved_by: str
    expires: datetime.date
    reference: str | None = None

    def matches(self, rule_id: str, types: Iterable[str | None], names: Iterable[str]) -> bool:
        """Whether the waiver covers a finding of `rule_id` about a resource of one of `types`
        (token, Terraform type) known by one of `names` (URN, address, name)."""
        # As written, or as a Terraform name (how the plan export writes `app/db` as `app_db`).
        patterns = {self.resource, terraform_identifier(self.resource, wildcards=True)}
        return (
            self.rule == rule_id
            and not self.types.isdisjoint(t for t in types if t)
            and any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)
        )

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires


@dataclass(frozen=True)
class AccessPolicy:
    """Who may reach protected data: read by the access rules."""

    admin_groups: tuple[str, ...] = ("Administrators",)  # as written: Name, Domain/Name or a group OCID
    data_resources: tuple[str, ...] = (
        "object-family", "database-family", "autonomous-database-family", "volume-family", "file-family",
        "vaults", "keys", "secret-family",
    )
    # Read by RES108: the network sources human grants on protected data may be conditioned on, and the
    # CIDRs that network sources the program creates may list. Empty: none is allowed.
    network_sources: tuple[str, ...] = ()
    allowed_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuardrailsPolicy:
    """What every protected compartment the program creates must come with: read by RES005."""

    quota_families: tuple[str, ...] = ("object-storage", "block-storage", "filesystem", "kms", "database")
    security_zone: bool = True


VERBS = ("inspect", "read", "use", "manage")  # least to most: each includes the ones before it
CONDITIONS = ("network-source", "mfa", "time-window")


@dataclass(frozen=True)
class LevelControls:
    """What holds for data at one classification level (`controls.<level>` in the policy file)."""

    regions: tuple[Region, ...] | None = None  # None: regions.allowed (protected levels) or anywhere
    groups: Mapping[str, tuple[str, ...]] | None = None  # group as written -> verbs it may hold; None: any group
    approval: bool = False  # grants on data at this level need an approval on record (RES107)
    conditions: tuple[str, ...] = ()  # what every grant of people must carry (RES108), from CONDITIONS


# Protected levels without controls of their own: approvals and a network source, any group.
PROTECTED_DEFAULT = LevelControls(approval=True, conditions=("network-source",))


@dataclass(frozen=True)
class ResidencyPolicy:
    allowed_regions: tuple[Region, ...]
    home_region: Region
    classification: Classification
    protected_compartments: frozenset[str] = frozenset()
    non_moving_types: frozenset[str] = frozenset()  # other providers' types that move no data (RES002)
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)  # by rule id
    waivers: tuple[Waiver, ...] = ()
    access: AccessPolicy = AccessPolicy()
    guardrails: GuardrailsPolicy = GuardrailsPolicy()
    source: str = BUILTIN_SOURCE  # the policy file as the user named it
    sha256: str | None = None  # of the policy file's bytes, so that every output says which file decided
    waiver_max_days: int = 365  # how far ahead of the day it is read a waiver may expire
    approvals: tuple[Approval, ...] = ()  # approvals/ beside the policy file, read by RES107
    approval_max_days: int = DEFAULT_MAX_DAYS  # approvals.max_days
    controls: Mapping[str, LevelControls] = field(default_factory=dict)  # by level, as the policy file gives them

    @property
    def is_builtin(self) -> bool:
        return self.source == BUILTIN_SOURCE

    def allows(self, region: Region) -> bool:
        return region in self.allowed_regions

    @property
    def allowed_names(self) -> str:
        return ", ".join(r.name for r in self.allowed_regions)

    def controls_for(self, level: str) -> LevelControls:
        if level in self.controls:
            return self.controls[level]
        return PROTECTED_DEFAULT if self.classification.is_protected(level) else LevelControls()

    def allows_at(self, region: Region, level: str) -> bool:
        """Whether data at a (protected) level may live in `region`."""
        regions = self.controls_for(level).regions
        return self.allows(region) and (regions is None or region in regions)

    def setting(self, rule_id: str, default: Level) -> RuleSetting:
        return self.rules.get(rule_id) or RuleSetting(default)
