"""RES104: grants that reach protected compartments are limited by `request.region` to allowed
region keys."""

from __future__ import annotations

from collections.abc import Iterable

from residency.enforcement import Level, Severity
from residency.iam import Grant, Value
from residency.inventory import Resource
from residency.oci.regions import lookup_region
from residency.rules.access import (
    POLICY,
    GrantRule,
    StatementRead,
    described,
    protected_reach,
    required_values,
    subjects_shown,
)
from residency.rules.base import Evidence, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.tenancy_data_access import WRITING_VERBS

REGION_VARIABLE = "request.region"


class RegionUnrestrictedGrant(GrantRule):
    meta = RuleMeta(
        id="RES104",
        name="region-unrestricted-grant",
        title="Grants on protected compartments are limited to allowed regions",
        severity=Severity.MEDIUM,
        rationale=(
            "IAM is global: a grant on a compartment holds in every region the tenancy subscribes to. "
            "Without a `request.region` condition, a group that may create buckets, volumes or databases "
            "in a protected compartment may create them in any subscribed region, outside the allowed ones. "
            "`request.region` compares with the three-letter region KEY ('phx'), not the region name."
        ),
        remediation=(
            "Add `where request.region = '<key>'` (or `where any {request.region = 'iad', request.region = "
            "'phx'}`) naming only allowed regions by key, and combine other conditions with `all {...}`. "
            "Compartment quotas that zero other regions are a second line of defence."
        ),
        applies_to=f"IAM policy statements ({POLICY}): use, manage or permissions on protected compartments",
        default_level=Level.ADVISORY,
        tags=("access", "iam", "region"),
    )

    unreadable_means = "grant access to a protected compartment from any region"

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        if grant.action == "endorse" or (grant.verb is not None and grant.verb not in WRITING_VERBS):
            return
        reach = protected_reach(grant.location, resource, context)
        if reach is None:
            return
        evidence = (read.evidence(), reach.evidence(grant.location))
        where = f"{read.path} lets {subjects_shown(grant.subjects)} {described(grant)}, reaching {reach.shown},"
        regions = required_values(grant.condition, REGION_VARIABLE)
        if regions is None:
            yield Violation(
                resource,
                f"{where} with no request.region condition that limits it to allowed regions "
                f"(keys: {', '.join(r.key for r in context.policy.allowed_regions)})",
                evidence, path=read.path,
            )
            return
        problems = [problem for value in regions if (problem := _problem(value, context))]
        if problems:
            yield Violation(resource, f"{where} and its request.region condition " + "; ".join(problems),
                            (*evidence, Evidence(read.path, "limits request.region to", _shown(regions))),
                            path=read.path)


def _problem(value: Value, context: RuleContext) -> str | None:
    if value.kind == "pattern":
        return f"allows the pattern /{value.text}/, which cannot be shown to match only allowed region keys"
    region = lookup_region(value.text)
    if region is None:
        return f"compares with {value.text!r}, which is not a region key"
    if value.text != region.key:
        return f"compares with the region name {value.text!r}, which never matches: request.region takes the key ({region.key!r})"
    if not context.allows(region):
        return f"allows {region.key!r} ({region.name}), which is not an allowed region"
    return None


def _shown(values: frozenset[Value]) -> str:
    return ", ".join(sorted(f"/{v.text}/" if v.kind == "pattern" else repr(v.text) for v in values))
