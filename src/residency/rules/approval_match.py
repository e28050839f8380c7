"""Which approvals (approvals/ beside the policy file) are about which IAM statement: shared by RES107,
RES109 and the reports' access view."""

from __future__ import annotations

from residency.iam import Grant, Statement
from residency.inventory import Resource
from residency.policy.approvals import Approval
from residency.rules.context import RuleContext


def policy_names(resource: Resource) -> tuple[str, ...]:
    """What an approval's `policy` may call an IAM policy: its Pulumi resource name, its URN, its
    Terraform address or the label in it (a Pulumi program exported as a plan keeps its names as
    labels), or its `name` property."""
    names = [resource.name, resource.urn]
    marker = f"{resource.terraform_type}."
    if resource.terraform_type and marker in resource.urn and not resource.urn.startswith("urn:"):
        names.append(resource.urn.rsplit(marker, 1)[1])
    name = resource.first("name")
    if name is not None and name.known and isinstance(name.value, str):
        names.append(name.value)
    return tuple(names)


def approvals_of(resource: Resource, statement: Statement, context: RuleContext) -> list[Approval]:
    """The approvals on record for `statement` in the IAM policy `resource`, valid or not."""
    names = policy_names(resource)
    return [a for a in context.policy.approvals if a.names(names) and a.covers(statement)]


def needs_approval(grant: Grant) -> bool:
    """More than `inspect`: read, use, manage, associate or explicit permissions. Endorse reaches
    another tenancy's resources, not ours."""
    return grant.action != "endorse" and grant.verb != "inspect"
