"""RES004: data-bearing resources carry a classification tag with a known level."""

from __future__ import annotations

from collections.abc import Iterable

from residency.catalog import CATALOG, short_type
from residency.enforcement import Level, Severity
from residency.inventory import Resource
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext


class MissingClassification(ResourceRule):
    meta = RuleMeta(
        id="RES004",
        name="missing-classification",
        title="Data-bearing resources are classified",
        severity=Severity.MEDIUM,
        rationale=(
            "The classification decides the controls. A bucket, volume, database or key without one is "
            "treated as the strictest level, which keeps it safe but hides from reviewers and auditors "
            "what it holds; a classification is also what an auditor checks the controls against."
        ),
        remediation=(
            "Add the classification defined tag (`defined_tags={\"<namespace>.<key>\": \"<level>\"}`) with "
            "one of the policy's levels, or create the resource in a protected compartment."
        ),
        applies_to="data-bearing types: " + ", ".join(sorted(short_type(t) for t in CATALOG.data_bearing)),
        default_level=Level.ADVISORY,
        tags=("classification",),
    )

    def reports_on_type(self, token: str) -> bool:
        return CATALOG.is_data_bearing(token)

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if not resource.custom or not CATALOG.is_data_bearing(resource.token):
            return
        scheme = context.policy.classification
        tag = context.classification_tag(resource)
        if tag is None:
            violation = Violation(
                resource,
                f"no {scheme.tag} tag: the data it holds is unclassified, and treated as {scheme.strictest}",
                (Evidence(resource.name, "has no defined tag", scheme.tag),),
                path="defined_tags",
            )
        elif not tag.known:
            violation = Violation(
                resource,
                f"the {scheme.tag} tag is known only after apply, so its classification cannot be shown",
                (Evidence(resource.name, f"has {tag.path or 'defined_tags'} =", tag.shown()),),
                proven=False,
                path="defined_tags",
            )
        elif context.level_of(str(tag.value)) is None:
            violation = Violation(
                resource,
                f"{tag.shown()!r} is not a classification level (expected one of: {', '.join(scheme.levels)})",
                (Evidence(resource.name, f"has {tag.path} =", tag.shown()),),
                path="defined_tags",
            )
        else:
            return
        if context.protected_compartment(resource) is None:  # a protected compartment classifies what it holds
            yield violation
