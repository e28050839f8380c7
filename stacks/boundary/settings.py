"""What the boundary is built from: the stack config and the residency policy.

Regions, the home region and the classification scheme come from `policies/residency.yaml`, the
same file the gate reads, so the boundary and its checks cannot drift apart. Everything that
differs between stacks comes from the stack config. Whether a region is allowed is the gate's
decision (`residency check`, the policy pack): the program builds what it is told and leaves the
verdict to the rules, so there is one source of truth for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from residency.oci.regions import REGIONS, Region, lookup_region
from residency.policy import ResidencyPolicy, load_policy

POLICY_NAME = "policies/residency.yaml"
# Found from this file, never the working directory: the Pulumi CLI runs the program in `main` (stacks/).
POLICY_FILE = Path(__file__).resolve().parents[2] / POLICY_NAME

# The Security Zone policies (by their friendly names) without which the zone is not the boundary's.
REQUIRED_ZONE_POLICIES = (
    "deny public_buckets",
    "deny buckets_without_vault_key",
    "deny block_volume_without_vault_key",
    "deny boot_volume_without_vault_key",
    "deny file_system_without_vault_key",
)


@dataclass(frozen=True)
class Site:
    """A region the boundary builds in, with its network plan."""

    role: str  # primary | dr
    region: Region
    vcn_cidr: str
    subnets: dict[str, str]  # subnet name -> CIDR


@dataclass(frozen=True)
class VolumePlan:
    name: str
    size_in_gbs: int


@dataclass(frozen=True)
class DatabasePlan:
    name: str
    subnet: str  # the primary subnet of its private endpoint
    compute_count: int
    storage_tbs: int


@dataclass(frozen=True)
class NetworkSourcePlan:
    """Where the people who reach protected data may sign in from: the network source every human
    grant is conditioned on, with the public CIDRs it lists (the boundary's VCNs are added)."""

    name: str
    public_cidrs: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    policy: ResidencyPolicy
    tenancy_id: str
    compartment: str  # the protected parent compartment, one of the policy's protected compartments
    classification: str  # the level every resource of the boundary carries
    primary: Site
    dr: Site | None  # None: a one-region stack
    buckets: tuple[str, ...]
    volumes: tuple[VolumePlan, ...]
    database: DatabasePlan | None
    quota_families: tuple[str, ...]
    key_rotation_days: int
    backup_retention_days: int
    flow_log_retention_days: int
    detector_recipe_ids: tuple[str, ...]
    zone_policy_ids: dict[str, str]  # friendly name -> OCID, from the tenancy
    network_source: NetworkSourcePlan

    @property
    def home(self) -> Region:
        return self.policy.home_region

    @property
    def sites(self) -> tuple[Site, ...]:
        return (self.primary, self.dr) if self.dr else (self.primary,)

    @property
    def tags(self) -> dict[str, str]:
        return {self.policy.classification.tag: self.classification}

    @property
    def quota_regions(self) -> list[Region]:
        """Every region of the home region's realm that is not allowed. Quotas in a commercial
        tenancy only concern its realm; a new region arrives with the regenerated region table."""
        return [r for r in REGIONS.in_realm(self.home.realm) if not self.policy.allows(r)]


def load_settings() -> Settings:
    config = pulumi.Config()
    policy = load_policy(POLICY_FILE)
    compartment = config.require("compartment")
    if compartment not in policy.protected_compartments:
        raise pulumi.RunError(
            f"compartment {compartment!r} is not one of the protected compartments of {POLICY_NAME} "
            f"({', '.join(sorted(policy.protected_compartments))}); add it there or choose one of them"
        )
    classification = config.require("classification")
    if classification not in policy.classification.levels:
        raise pulumi.RunError(
            f"classification {classification!r} is not a level of {POLICY_NAME} "
            f"({', '.join(policy.classification.levels)})"
        )
    primary = _site("primary", config.require_object("primary"))
    dr_config = config.get_object("dr")
    dr = _site("dr", dr_config) if dr_config is not None else None
    if dr is not None and dr.region == primary.region:
        raise pulumi.RunError(f"dr.region is the primary region {primary.region.name}: a DR copy needs a second region")
    rotation = config.require_int("keyRotationDays")
    if not 60 <= rotation <= 365:
        raise pulumi.RunError(f"keyRotationDays is {rotation}; OCI rotates keys every 60 to 365 days")
    zone_policies = config.require_object("securityZonePolicies")
    missing = [name for name in REQUIRED_ZONE_POLICIES if name not in zone_policies]
    if missing:
        raise pulumi.RunError(
            "securityZonePolicies lacks the OCIDs of: " + ", ".join(missing)
            + " (list them with `oci cloud-guard security-policy-collection list-security-policies`)"
        )
    database = config.get_object("database")
    network_source = _network_source(config.require_object("networkSource"), policy)
    return Settings(
        policy=policy,
        tenancy_id=config.require("tenancyOcid"),
        compartment=compartment,
        classification=classification,
        primary=primary,
        dr=dr,
        buckets=tuple(config.require_object("buckets")),
        volumes=tuple(VolumePlan(v["name"], int(v["sizeInGbs"])) for v in config.get_object("volumes") or []),
        database=DatabasePlan(database["name"], database["subnet"], int(database["computeCount"]),
                              int(database["storageTbs"])) if database else None,
        quota_families=policy.guardrails.quota_families,
        key_rotation_days=rotation,
        backup_retention_days=config.require_int("backupRetentionDays"),
        flow_log_retention_days=config.require_int("flowLogRetentionDays"),
        detector_recipe_ids=tuple(config.require_object("cloudGuardDetectorRecipeIds")),
        zone_policy_ids=dict(zone_policies),
        network_source=network_source,
    )


def _network_source(value: Any, policy: ResidencyPolicy) -> NetworkSourcePlan:
    if not isinstance(value, dict) or not {"name", "publicCidrs"} <= set(value):
        raise pulumi.RunError("networkSource must be an object with name and publicCidrs (a list of CIDR blocks)")
    if value["name"] not in policy.access.network_sources:
        raise pulumi.RunError(
            f"networkSource.name {value['name']!r} is not one of the network sources of {POLICY_FILE} "
            f"(access.network_sources: {', '.join(policy.access.network_sources) or 'none'}); add it there or choose one"
        )
    return NetworkSourcePlan(str(value["name"]), tuple(str(cidr) for cidr in value["publicCidrs"]))


def _site(role: str, value: Any) -> Site:
    if not isinstance(value, dict) or not {"region", "vcnCidr", "subnets"} <= set(value):
        raise pulumi.RunError(f"{role} must be an object with region, vcnCidr and subnets (name: CIDR)")
    region = lookup_region(str(value["region"]))
    if region is None:
        raise pulumi.RunError(f"{role}.region {value['region']!r} is not an OCI region")
    return Site(role=role, region=region, vcn_cidr=value["vcnCidr"], subnets=dict(value["subnets"]))
