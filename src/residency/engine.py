"""Runs the rules over an inventory under a policy: violations become findings with levels."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from residency.enforcement import Level
from residency.findings import AppliedWaiver, Finding, Report, ResourceIdentity, sort_findings
from residency.inventory import Inventory, Origin
from residency.policy import ResidencyPolicy
from residency.rules import RULES, Rule, RuleContext, Violation


def evaluate(
    inventory: Inventory,
    policy: ResidencyPolicy,
    *,
    rules: Iterable[Rule] = RULES,
    today: datetime.date | None = None,
) -> Report:
    today = today or datetime.date.today()
    context = RuleContext(policy, inventory)
    stack = ResourceIdentity.stack(inventory)
    levels, findings = [], []
    for rule in rules:
        setting = policy.setting(rule.meta.id, rule.meta.default_level)
        levels.append((rule.meta, setting.level))
        if setting.level is Level.DISABLED:
            continue
        violations = [v for resource in inventory.resources for v in rule.check(resource, context)]
        violations.extend(rule.check_stack(context))
        for violation in violations:
            level = setting.level if violation.proven else setting.unproven_level
            if level is Level.DISABLED:
                continue
            findings.append(_finding(rule, violation, level, stack, context, today))
    return Report(inventory, policy, tuple(levels), sort_findings(findings), today)


def _finding(rule: Rule, violation: Violation, level: Level, stack: ResourceIdentity, context: RuleContext, today: datetime.date) -> Finding:
    resource = violation.resource
    identity = ResourceIdentity.of(resource, context.inventory) if resource is not None else stack
    waiver = next((w for w in context.policy.waivers if w.matches(rule.meta.ids, identity.urn, identity.name)), None)
    return Finding(
        rule=rule.meta,
        level=level,
        resource=identity,
        message=violation.message,
        evidence=violation.evidence,
        proven=violation.proven,
        path=violation.path,
        origins=violation.origins or _value_origins(violation, context.inventory),
        location=resource.location if resource is not None else None,
        waiver=AppliedWaiver(waiver, not waiver.expired(today)) if waiver else None,
    )


def _value_origins(violation: Violation, inventory: Inventory) -> tuple[Origin, ...]:
    """Where the value at fault was written, when the rule did not say: the stack-config keys that
    hold the text of the property the finding is about (a destination region, a key's OCID)."""
    if inventory.value_origins is None or violation.resource is None or not violation.path:
        return ()
    value = violation.resource.first(violation.path)
    if value is None or not value.known or not isinstance(value.value, str) or not value.value:
        return ()
    return inventory.value_origins(value.value)
