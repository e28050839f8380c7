"""RES102: no cross-tenancy statements (Endorse, Admit, and the Defines they use) that involve
protected compartments or data resource-types."""

from __future__ import annotations

from collections.abc import Iterable

from residency.catalog import CATALOG
from residency.enforcement import Severity
from residency.iam import Define, Grant, has_hole
from residency.inventory import Resource
from residency.rules.access import (
    POLICY,
    GrantRule,
    StatementRead,
    aliases,
    described,
    only_reads,
    protected_target,
    subjects_shown,
    unknown_part_may_matter,
)
from residency.rules.base import Evidence, RuleMeta, Violation
from residency.rules.context import RuleContext


class CrossTenancyGrant(GrantRule):
    meta = RuleMeta(
        id="RES102",
        name="cross-tenancy-grant",
        title="No cross-tenancy access to protected data",
        severity=Severity.CRITICAL,
        rationale=(
            "Admit lets a group of another tenancy into this one; Endorse lets a group of this tenancy act in "
            "other tenancies (`any-tenancy`: all of them). Another tenancy has its own regions, policies and "
            "owner: protected data reached from it, or copied into it, is outside the boundary this "
            "organisation controls and audits."
        ),
        remediation=(
            "Remove the Admit or Endorse statement, or narrow it to compartments and resource-types that hold "
            "no protected data. Share data through a reviewed copy that stays in this tenancy and the allowed "
            "regions."
        ),
        applies_to=f"IAM policy statements ({POLICY}): Endorse, Admit, Define and tenancy-qualified subjects",
        tags=("access", "iam", "cross-tenancy"),
    )

    unreadable_means = "let another tenancy reach protected data"

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        if not grant.cross_tenancy:
            return
        defined = aliases(resource)
        if _reads_from_oracle(grant, defined):
            return  # the group reads Oracle's data (cost reports): nothing of this tenancy leaves
        target = protected_target(grant, resource, context)
        if target is None:
            return
        found, reaches = target
        evidence = [read.evidence()]
        for alias in _tenancy_aliases(grant):
            if alias.casefold() in defined:
                define = defined[alias.casefold()]
                evidence.append(Evidence(f"tenancy {define.alias}", "is defined as", define.ocid))
            else:
                evidence.append(Evidence(f"tenancy {alias}", "is defined", "in no statement of this policy"))
        yield Violation(resource, f"{read.path} {_action(grant)} {described(grant)}, which reaches {reaches}",
                        (*evidence, *found), path=read.path)


def _action(grant: Grant) -> str:
    if grant.action == "endorse":
        return f"endorses {subjects_shown(grant.subjects)} of this tenancy to"
    if grant.action == "admit":
        return f"admits {subjects_shown(grant.subjects)} to"
    return f"lets {subjects_shown(grant.subjects)}"


def _reads_from_oracle(grant: Grant, defined: dict[str, Define]) -> bool:
    """An Endorse that only reads, in a tenancy the policy defines as one Oracle owns (the
    usage-report tenancy of Oracle's cost reports)."""
    if grant.action != "endorse" or grant.location.kind != "tenancy" or grant.location.tenancy is None:
        return False
    define = defined.get(grant.location.tenancy.casefold())
    if define is not None and has_hole(define.ocid):
        return only_reads(grant) and not unknown_part_may_matter()
    return only_reads(grant) and define is not None and define.kind == "tenancy" and define.ocid.casefold() in CATALOG.oracle_tenancies


def _tenancy_aliases(grant: Grant) -> list[str]:
    names = [s.tenancy for s in grant.subjects if s.tenancy]
    for location in (grant.location, grant.associated.location if grant.associated else None):
        if location is not None and location.tenancy:
            names.append(location.tenancy)
    return list(dict.fromkeys(names))
