"""RES101: no grants to any-user or any-group on protected compartments or data resource-types."""

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
    names_the_principal,
    only_reads,
    protected_target,
    subjects_shown,
)
from residency.rules.base import RuleMeta, Violation
from residency.rules.context import RuleContext


class AnyPrincipalGrant(GrantRule):
    meta = RuleMeta(
        id="RES101",
        name="any-principal-grant",
        title="No grants to any-user or any-group on protected data",
        severity=Severity.CRITICAL,
        rationale=(
            "`any-user` is every user, instance, resource and service principal of the tenancy, and "
            "`any-group` every group and dynamic group. A grant to them on a protected compartment (or the "
            "whole tenancy), or on a resource-type that holds data, lets principals nobody reviewed read, "
            "copy or move protected data, to other regions too."
        ),
        remediation=(
            "Grant to a named group, or to a dynamic group whose matching rule is confined to the protected "
            "compartment, instead of any-user or any-group; and name the compartment, not the tenancy."
        ),
        applies_to=f"IAM policy statements ({POLICY})",
        tags=("access", "iam"),
    )

    unreadable_means = "grant any-user or any-group access to protected data"

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        anyone = [s for s in grant.subjects if s.is_anyone]
        if not anyone or names_the_principal(grant.condition):
            return  # a condition on the principal's type, OCID or group names who it is: not anyone
        target = protected_target(grant, resource, context)
        if target is None or (only_reads(grant) and data_resource(grant, context) is None):
            return  # looking at what holds no data (tag namespaces, compartments) moves nothing
        evidence, reaches = target
        yield Violation(
            resource,
            f"{read.path} lets {subjects_shown(anyone)} {described(grant)}, which reaches {reaches}",
            (read.evidence(), *evidence),
            path=read.path,
        )
