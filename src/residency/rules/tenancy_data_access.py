"""RES103: tenancy-wide manage or use of data resource-types only for the configured admin groups."""

from __future__ import annotations

from collections.abc import Iterable

from residency.enforcement import Severity
from residency.iam import Grant
from residency.inventory import Resource
from residency.rules.access import (
    POLICY,
    GrantRule,
    StatementRead,
    data_resource,
    described,
    is_admin,
    only_reads,
    subjects_shown,
)
from residency.rules.base import Evidence, RuleMeta, Violation
from residency.rules.context import RuleContext

WRITING_VERBS = ("use", "manage")


class TenancyWideDataAccess(GrantRule):
    meta = RuleMeta(
        id="RES103",
        name="tenancy-wide-data-access",
        title="Tenancy-wide use or manage of data only for admin groups",
        severity=Severity.HIGH,
        rationale=(
            "A grant `in tenancy` holds in every compartment, the protected ones and those created later. "
            "`use` and `manage` on object storage, databases, volumes, file systems, vaults or keys let the "
            "group read, copy, re-key or replicate protected data wherever it is. Only the configured admin "
            "groups may hold such grants; everyone else gets them on named compartments."
        ),
        remediation=(
            "Write the grant for the compartments the group works in (`in compartment <name>`), or add the "
            "group to `access.admin_groups` in the residency policy if it really administers the tenancy."
        ),
        applies_to=f"IAM policy statements ({POLICY}): Allow ... in tenancy",
        tags=("access", "iam"),
    )

    unreadable_means = "give a non-admin group tenancy-wide access to data"

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        if grant.action != "allow" or not grant.location.is_own_tenancy:
            return
        if only_reads(grant) or (grant.verb is not None and grant.verb not in WRITING_VERBS):
            return
        data = data_resource(grant, context)
        others = [s for s in grant.subjects if not is_admin(s, context)]
        if data is None or not others:
            return
        admins = ", ".join(context.policy.access.admin_groups) or "(none)"
        yield Violation(
            resource,
            f"{read.path} lets {subjects_shown(others)} {described(grant)}: tenancy-wide access to data "
            f"({data}) for a principal that is not an admin group",
            (read.evidence(), Evidence(grant.resource or "the permissions", "reach data resource-type", data),
             Evidence("the residency policy", "has admin groups", admins)),
            path=read.path,
        )
