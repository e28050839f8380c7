"""RES005: every protected compartment the program creates comes with its guardrails: quotas that
zero the data services in every region that is not allowed, and a Security Zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from residency.catalog.tokens import QUOTA, SECURITY_ZONE
from residency.enforcement import Severity
from residency.iam import Condition, Expression, ParseError, QuotaStatement, parse_quota
from residency.inventory import Resource
from residency.oci.regions import REGIONS, Region, lookup_region
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import COMPARTMENT, RuleContext

EVERY_REGION = "every region"  # a statement without a region condition
UNCLEAR = "unclear"  # a condition not only about regions: when it applies cannot be shown


class Guardrails(ResourceRule):
    meta = RuleMeta(
        id="RES005",
        name="guardrails",
        title="Protected compartments have their guardrails",
        severity=Severity.HIGH,
        rationale=(
            "The gate checks what a program asks for; guardrails hold whatever is asked later, by anyone, "
            "through any tool. Quotas that zero the data services of a protected compartment in every region "
            "that is not allowed make OCI itself refuse a bucket, volume or database there, and a Security "
            "Zone refuses public buckets and unencrypted storage. Without them the boundary lasts only as "
            "long as every change goes through the gate."
        ),
        remediation=(
            "Create, for each protected compartment, quota statements `zero <family> quotas in compartment "
            "<name> where request.region = <region>` for every family of `guardrails.quota_families` and "
            "every region of the home realm that is not allowed, and a Security Zone on the compartment "
            "(oci.cloudguard.SecurityZone)."
        ),
        applies_to="protected compartments the program creates (oci:Identity/compartment), with the quotas "
        "(oci:Limits/quota) and Security Zones (oci:CloudGuard/securityZone) of the program",
        tags=("residency", "guardrails"),
    )

    def reports_on_type(self, token: str) -> bool:
        return token == QUOTA  # the compartments are judged once, for the stack

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        """A quota condition that compares request.region with a region KEY never matches: quotas
        take region names. The statement then limits nothing, whatever it was meant to zero."""
        if resource.token != QUOTA:
            return
        for value in resource.field("statements"):
            if not value.known or not isinstance(value.value, str):
                continue
            try:
                statement = parse_quota(value.value)
            except ParseError:
                continue  # the stack pass counts it as unreadable
            for key, region in _region_keys(statement.condition):
                path = value.path or "statements"
                yield Violation(
                    resource,
                    f"{path} compares request.region with the region key {key!r}, which never matches: quota "
                    f"conditions take region names ({region.name!r}), so the statement does not apply there",
                    (Evidence(resource.name, f"has {path} =", value.shown()),),
                    path=path,
                )

    def check_stack(self, context: RuleContext) -> Iterable[Violation]:
        compartments = [r for r in context.inventory.resources if _protected_name(r, context)]
        if not compartments:
            return
        quotas = _Quotas.read(context)
        policy = context.policy
        outside = [r for r in REGIONS.in_realm(policy.home_region.realm) if not policy.allows(r)]
        for compartment in compartments:
            name = _protected_name(compartment, context)
            yield from self._quotas(compartment, name, quotas, outside, context)
            if policy.guardrails.security_zone and not _zoned(compartment, context):
                yield Violation(
                    compartment,
                    f"no Security Zone covers the protected compartment {name}, so public buckets and storage "
                    "without a vault key are not refused",
                    (Evidence(name, "is", "a protected compartment"), Evidence("the program", "has no", "Security Zone on it")),
                    path="security_zone",
                )

    def _quotas(self, compartment: Resource, name: str, quotas: _Quotas, outside: list[Region], context: RuleContext) -> Iterator[Violation]:
        gaps = {}
        for family in context.policy.guardrails.quota_families:
            missing = [r for r in outside if not quotas.zeroes(family, name, r)]
            if missing:
                gaps[family] = missing
        if not gaps:
            return
        shown = "; ".join(f"{family} in {_regions(missing)}" for family, missing in gaps.items())
        evidence = [Evidence(name, "is", "a protected compartment")]
        evidence += [Evidence(q.name, "has statements that", "cannot be read") for q in quotas.unreadable]
        evidence += [Evidence(q.name, "may lift the zero with", f"{s.action} {s.family} quotas")
                     for q, s in quotas.statements if s.action != "zero" and s.family in gaps]
        yield Violation(
            compartment,
            f"quotas do not zero {shown} for the protected compartment {name}"
            + (", and some quota statements cannot be read" if quotas.unreadable else ""),
            tuple(evidence),
            proven=not quotas.unreadable,
            path="quotas",
        )


def _protected_name(resource: Resource, context: RuleContext) -> str | None:
    if resource.token != COMPARTMENT:
        return None
    name = resource.first("name")
    if name is None or not name.known or not isinstance(name.value, str):
        return None
    protected = {p.casefold(): p for p in context.policy.protected_compartments}
    return protected.get(name.value.casefold())


def _zoned(compartment: Resource, context: RuleContext) -> bool:
    """Whether a Security Zone of the program is on the compartment or one of its parents."""
    covered = {compartment.urn}
    parents = list(compartment.dependencies_of("compartment_id"))
    while parents:
        urn = parents.pop()
        parent = context.resource(urn)
        if parent is not None and parent.token == COMPARTMENT and urn not in covered:
            covered.add(urn)
            parents.extend(parent.dependencies_of("compartment_id"))
    return any(
        zone.token == SECURITY_ZONE and covered & set(zone.dependencies_of("compartment_id"))
        for zone in context.inventory.resources
    )


def _regions(regions: list[Region]) -> str:
    names = [r.name for r in regions]
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} and {len(names) - 3} more regions"


@dataclass
class _Quotas:
    """The quota statements of the program, read. Coverage is proven only by a `zero` statement that
    no `set` or `unset` of the same family, place and region could lift."""

    statements: list[tuple[Resource, QuotaStatement]] = field(default_factory=list)
    unreadable: list[Resource] = field(default_factory=list)

    @classmethod
    def read(cls, context: RuleContext) -> _Quotas:
        quotas = cls()
        for resource in context.inventory.resources:
            if resource.token != QUOTA:
                continue
            for value in resource.field("statements"):
                if not value.known or not isinstance(value.value, str):
                    quotas.unreadable.append(resource)
                    continue
                try:
                    quotas.statements.append((resource, parse_quota(value.value)))
                except ParseError:
                    quotas.unreadable.append(resource)
        return quotas

    def zeroes(self, family: str, compartment: str, region: Region) -> bool:
        zeroed = False
        for _, statement in self.statements:
            if statement.family.casefold() != family.casefold() or not _applies_to(statement, compartment):
                continue
            regions = _condition_regions(statement.condition)
            if regions is UNCLEAR:
                if statement.action != "zero":
                    return False  # it may lift the zero
                continue  # a zero under other conditions proves nothing
            if regions is not EVERY_REGION and region not in regions:
                continue
            if statement.action != "zero":
                return False
            zeroed = zeroed or _whole_family(statement)
        return zeroed


def _whole_family(statement: QuotaStatement) -> bool:
    """No names, or the pattern /*/, is every quota of the family; other names are only part of it."""
    return not statement.names or any(n.kind == "pattern" and n.text == "*" for n in statement.names)


def _applies_to(statement: QuotaStatement, compartment: str) -> bool:
    location = statement.location
    return location.kind == "tenancy" or bool(location.path) and location.path[-1].casefold() == compartment.casefold()


def _region_named(text: str) -> Region | None:
    """The region a quota condition's value names: quotas take region names, not keys."""
    region = lookup_region(text)
    return region if region is not None and text.strip().lower() == region.name else None


def _region_keys(condition: Expression | None) -> Iterator[tuple[str, Region]]:
    """The region keys (not names) a quota condition compares request.region with."""
    if isinstance(condition, Condition):
        if condition.variable == "request.region":
            for value in condition.values:
                region = lookup_region(value.text)
                if region is not None and _region_named(value.text) is None:
                    yield value.text, region
    elif condition is not None:
        for item in condition.items:
            yield from _region_keys(item)


def _condition_regions(condition: Expression | None) -> frozenset[Region] | str:
    """The regions a statement is limited to, EVERY_REGION, or UNCLEAR. A key in place of a
    region name matches no region."""
    if condition is None:
        return EVERY_REGION
    if isinstance(condition, Condition):
        if condition.variable != "request.region" or condition.operator not in ("=", "!=", "in"):
            return UNCLEAR
        if any(v.kind == "pattern" or lookup_region(v.text) is None for v in condition.values):
            return UNCLEAR
        named = frozenset(r for r in (_region_named(v.text) for v in condition.values) if r is not None)
        return frozenset(REGIONS) - named if condition.operator == "!=" else named
    parts = [_condition_regions(item) for item in condition.items]
    if UNCLEAR in parts:
        return UNCLEAR
    if condition.quantifier == "any":
        return EVERY_REGION if EVERY_REGION in parts else frozenset().union(*parts)
    bounded = [p for p in parts if p is not EVERY_REGION]
    return EVERY_REGION if not bounded else frozenset.intersection(*bounded)
