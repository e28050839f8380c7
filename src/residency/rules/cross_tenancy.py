"""RES102: no cross-tenancy statements (Endorse, Admit, and the Defines they use) that involve
protected compartments or data resource-types."""

from __future__ import annotations

from collections.abc import Iterable

from residency.enforcement import Severity
from residency.iam import Grant
from residency.inventory import Resource
from residency.rules.access import POLICY, GrantRule, StatementRead, aliases, described, protected_target, subjects_shown
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
        target = protected_target(grant, resource, context)
        if target is None:
            return
        found, reaches = target
        defined = aliases(resource)
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


def _tenancy_aliases(grant: Grant) -> list[str]:
    names = [s.tenancy for s in grant.subjects if s.tenancy]
    for location in (grant.location, grant.associated.location if grant.associated else None):
        if location is not None and location.tenancy:
            names.append(location.tenancy)
    return list(dict.fromkeys(names))
