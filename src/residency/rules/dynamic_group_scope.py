"""RES106: a dynamic group meant for protected data admits only resources in protected compartments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from residency.enforcement import Severity
from residency.iam import Condition, ConditionGroup, Expression, ParseError, parse_matching_rule, same
from residency.inventory import Resource
from residency.rules.access import POLICY, described, grants, protected_reach
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import COMPARTMENT, RuleContext

DYNAMIC_GROUPS = ("oci:Identity/dynamicGroup:DynamicGroup", "oci:Identity/domainsDynamicResourceGroup:DomainsDynamicResourceGroup")
# Matching-rule variables that place a member in a compartment.
COMPARTMENT_VARIABLES = ("instance.compartment.id", "resource.compartment.id")


class DynamicGroupScope(ResourceRule):
    meta = RuleMeta(
        id="RES106",
        name="dynamic-group-scope",
        title="Dynamic groups for protected data admit only protected resources",
        severity=Severity.HIGH,
        rationale=(
            "A dynamic group's members are the instances and resources its matching rule admits; every grant "
            "to the group is theirs. A group that is given protected data, or whose rule names a protected "
            "compartment, but whose rule also admits resources elsewhere (another compartment, every function "
            "of the tenancy) lets workloads outside the boundary read and move protected data."
        ),
        remediation=(
            "Confine the matching rule to the protected compartment: `ALL {instance.compartment.id = "
            "'<protected compartment OCID>', ...}`, or use ANY only over protected compartments. List the "
            "compartment's OCID in `protected_compartments` so that it can be recognised."
        ),
        applies_to="dynamic groups (" + ", ".join(DYNAMIC_GROUPS) + ")",
        tags=("access", "iam"),
    )

    def reports_on_type(self, token: str) -> bool:
        return token in DYNAMIC_GROUPS

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.token not in DYNAMIC_GROUPS:
            return
        rule = resource.first("matching_rule")
        if rule is None:
            return
        why = list(_grants_to(resource, context))
        if not rule.known:
            why += _protected_sources(resource, context)
            if why:
                yield Violation(
                    resource,
                    "matching_rule is known only after apply, so it cannot be shown to admit only resources in "
                    "protected compartments",
                    (Evidence(resource.name, "has matching_rule =", rule.shown()), *why),
                    proven=False, path="matching_rule",
                )
            return
        try:
            expression = parse_matching_rule(str(rule.value))
        except ParseError as error:
            yield Violation(resource, f"matching_rule is not a matching rule ({error}), so what it admits cannot be shown",
                            (Evidence(resource.name, "has matching_rule =", rule.shown()),), proven=False, path="matching_rule")
            return
        protected = {p.casefold() for p in context.policy.protected_compartments}
        named = sorted(v for v in _compartments(expression) if v.casefold() in protected)
        why += [Evidence("matching_rule", "names the protected compartment", ocid) for ocid in named]
        escape = _escape(expression, protected)
        if why and escape is not None:
            yield Violation(
                resource,
                f"matching_rule admits {escape}, beyond the protected compartments, yet the group is meant for "
                "protected data",
                (Evidence(resource.name, "has matching_rule =", rule.shown()), *why),
                path="matching_rule",
            )


def _grants_to(group: Resource, context: RuleContext) -> Iterator[Evidence]:
    """The grants of the program's policies to this dynamic group that reach a protected compartment."""
    name = group.first("name") or group.first("display_name")
    if context.inventory is None or name is None or not name.known:
        return
    for policy in context.inventory.resources:
        if policy.token != POLICY:
            continue
        for read, grant in grants(policy):
            if grant is None or not any(s.kind == "dynamic-group" and same(s.name, str(name.value)) for s in grant.subjects):
                continue
            reach = protected_reach(grant.location, policy, context)
            if reach is not None:
                yield Evidence(f"{policy.name} {read.path}", f"gives it {described(grant)}, reaching", reach.shown)


def _protected_sources(group: Resource, context: RuleContext) -> list[Evidence]:
    """Protected compartments of the program that the unknown matching rule is computed from."""
    found = []
    for source in context.sources(group, "matching_rule"):
        if source is None or source.token != COMPARTMENT:
            continue
        inside = context.protected_compartment(source)
        name = source.first("name")
        protected = {p.casefold() for p in context.policy.protected_compartments}
        if inside is not None or (name is not None and name.known and str(name.value).casefold() in protected):
            found.append(Evidence("matching_rule", "is computed from the protected compartment", source.name))
    return found


def _compartments(expression: Expression) -> set[str]:
    if isinstance(expression, ConditionGroup):
        return set().union(*(_compartments(item) for item in expression.items))
    if expression.variable in COMPARTMENT_VARIABLES:
        return {v.text for v in expression.values}
    return set()


def _escape(expression: Expression, protected: set[str]) -> str | None:
    """None when every resource the expression admits is in a protected compartment; otherwise the
    part of the rule that admits others."""
    if isinstance(expression, Condition):
        confined = (expression.variable in COMPARTMENT_VARIABLES and expression.operator == "="
                    and all(v.kind != "pattern" and v.text.casefold() in protected for v in expression.values))
        return None if confined else _shown(expression)
    escapes = [_escape(item, protected) for item in expression.items]
    if expression.quantifier == "all":
        return None if any(e is None for e in escapes) else f"every resource with {' and '.join(escapes)}"
    return next((e for e in escapes if e is not None), None)


def _shown(condition: Condition) -> str:
    if condition.operator == "present":
        return f"every resource tagged {condition.variable}"
    values = ", ".join(f"'{v.text}'" for v in condition.values)
    return f"{condition.variable} {condition.operator} {values}"
