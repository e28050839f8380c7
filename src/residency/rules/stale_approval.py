"""RES109: every approval on record (approvals/ beside the residency policy file) is about a statement
that the program grants, so that approvals no one uses are cleaned up instead of waiting to cover a
grant no one reviewed again. One policy file serves many programs, so only approvals that name an IAM
policy of this program are judged here."""

from __future__ import annotations

from collections.abc import Iterable

from residency.enforcement import Level, Severity
from residency.inventory import Resource
from residency.rules.access import POLICY, policy_statements
from residency.rules.approval_match import policy_names
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext


class StaleApproval(ResourceRule):
    meta = RuleMeta(
        id="RES109",
        name="stale-approval",
        title="Every access approval on record matches a statement the program grants",
        severity=Severity.LOW,
        rationale=(
            "An approval is permission for one statement in one IAM policy. When the statement changes or goes "
            "away, the approval stays on record and would silently cover the statement if it came back, without a "
            "new review."
        ),
        remediation=(
            "Delete the approval file, or correct its `statement` or `policy` to the grant it approves (statements "
            "are matched after normalising whitespace, keyword case and quotes)."
        ),
        applies_to="approvals/ beside the residency policy, against the program's IAM policies",
        default_level=Level.ADVISORY,
        tags=("access", "iam", "approval"),
    )

    def reports_on_type(self, token: str) -> bool:
        return token == POLICY

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.token != POLICY:
            return
        names = policy_names(resource)
        approvals = [a for a in context.policy.approvals if a.names(names)]
        if not approvals:
            return
        reads = list(policy_statements(resource))
        if any(read.statement is None for read in reads):
            return  # a statement that cannot be read may be the approved one
        for approval in approvals:
            if not any(approval.covers(read.statement) for read in reads):
                yield Violation(
                    resource, f"approval {approval.id} ({approval.file}) approves a statement that policy "
                    f"{approval.policy} does not grant: {approval.statement}",
                    (Evidence(f"approval {approval.shown}", "approves", approval.statement),), path="statements",
                )
