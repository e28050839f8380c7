"""RES107: every grant of more than `inspect` on protected data has a valid, unexpired approval on
record (approvals/ beside the residency policy file)."""

from __future__ import annotations

from collections.abc import Iterable

from residency.enforcement import Severity
from residency.iam import Grant
from residency.inventory import Resource
from residency.rules.access import POLICY, GrantRule, StatementRead, described, protected_reach, subjects_shown
from residency.rules.approval_match import approvals_of, needs_approval
from residency.rules.base import Evidence, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.level_controls import allowed_verbs, controls_at, exceeds, verb_of


class UnapprovedAccess(GrantRule):
    meta = RuleMeta(
        id="RES107",
        name="unapproved-access",
        title="Access to protected data has two people's recorded, expiring approval",
        severity=Severity.HIGH,
        rationale=(
            "Access to US user data needs permission. A grant that lets a group read, use or manage what a "
            "protected compartment holds is that permission; it holds only while an approval is on record: "
            "asked for by one person, approved by two others, for a bounded time. Without it, access is "
            "granted by whoever merges the change, for ever."
        ),
        remediation=(
            "Add approvals/<id>.yaml beside the residency policy with the statement exactly as granted, the IAM "
            "policy it is in, who requested it, two approvers other than the requester, the approval date and an "
            "expiry within approvals.max_days; renew it with a new file before it expires. Or narrow the grant "
            "to `inspect`. A group may hold only the verbs `controls.<level>.groups` gives it."
        ),
        applies_to=(f"IAM policy statements ({POLICY}) on protected compartments: read, use, manage or permissions, "
                    "and the verbs each level's controls give groups"),
        tags=("access", "iam", "approval"),
    )

    unreadable_means = "grant access to protected data without an approval"

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        if grant.action == "endorse":
            return  # reaches another tenancy's resources, not ours
        reach = protected_reach(grant.location, resource, context)
        if reach is None:
            return
        level, controls = controls_at(reach, context)
        evidence = [read.evidence(), reach.evidence(grant.location), Evidence(reach.compartment, "holds data at level", level)]
        where = f"{read.path} lets {subjects_shown(grant.subjects)} {described(grant)}, reaching {reach.shown},"
        for subject in grant.subjects:
            verbs = allowed_verbs(subject, controls) if subject.kind == "group" else None
            if verbs is not None and exceeds(verb_of(grant), verbs):
                yield Violation(
                    resource, f"{where} but controls.{level}.groups lets {subject.shown()} hold "
                    f"{', '.join(verbs) or 'nothing'} on {level} data",
                    (*evidence, Evidence(f"controls.{level}.groups", f"gives {subject.shown()}", ", ".join(verbs) or "nothing")),
                    path=read.path,
                )
        if not needs_approval(grant) or not controls.approval:
            return
        approvals = approvals_of(resource, read.statement, context)
        if not approvals:
            yield Violation(
                resource, f"{where} with no approval on record for this statement in this policy",
                (*evidence, Evidence("approvals", "hold no approval of", f"{read.path} of {resource.name}")),
                path=read.path,
            )
            return
        problems = {a: a.problems(context.policy.approval_max_days, context.today) for a in approvals}
        if any(not found for found in problems.values()):
            return
        yield Violation(
            resource,
            f"{where} and no approval of it holds: " + "; ".join(
                f"{a.id} " + ", ".join(found) for a, found in problems.items()),
            (*evidence, *(Evidence(f"approval {a.shown}", "is requested by, approved by",
                                   f"{a.requested_by}; {', '.join(a.approved_by)} on {a.approved_on}, until {a.expires}")
                          for a in approvals)),
            path=read.path,
        )
