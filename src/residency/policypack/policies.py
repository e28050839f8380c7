"""Every engine rule as pulumi-policy policies, with the policy file's levels and metadata.

Per rule:
- `<rule>` (resource policy): what the rule finds from the resource and its provider alone, as
  each resource is analyzed;
- `<rule>-stack` (stack policy): what needs the whole stack (values that come from other resources,
  compartments, stack-wide checks), reported once, at the end.
Together they report exactly what `residency check` reports. Where the policy file gives findings
about unprovable values a level of their own (`rules.<rule>.unproven`), `<rule>-unproven` and
`<rule>-stack-unproven` carry those at that level.

Unknown values never skip a policy: a rule reads them as unknown and reports what it cannot prove.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from residency.documentation import rule_url
from residency.enforcement import Level
from residency.engine import Judge
from residency.findings import Finding, ResourceIdentity
from residency.oci.regions import REGIONS, lookup_region
from residency.pack_names import policy_name
from residency.policy import ResidencyPolicy
from residency.policypack.resources import analyzed_resource, stack_inventory
from residency.rules import RULES, NeedsGraph, Rule, RuleContext, Violation

PACK_NAME = "oci-residency"

_LEVELS = {Level.MANDATORY: EnforcementLevel.MANDATORY, Level.ADVISORY: EnforcementLevel.ADVISORY, Level.DISABLED: EnforcementLevel.DISABLED}
_SEVERITIES = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH, "critical": Severity.CRITICAL}

# Per stack, `--policy-pack-config` may narrow or move the boundary for any policy.
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedRegions": {
            "type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "enum": sorted({r.name for r in REGIONS} | {r.key for r in REGIONS})},
            "description": "Regions where protected data may be stored, copied or keyed (overrides policies/residency.yaml).",
        },
        "homeRegion": {
            "type": "string", "enum": sorted({r.name for r in REGIONS} | {r.key for r in REGIONS}),
            "description": "The tenancy's home region, where IAM lives.",
        },
        "protectedCompartments": {
            "type": "array", "items": {"type": "string"},
            "description": "Compartments (names or OCIDs) whose resources are protected whatever their tag says.",
        },
    }
)


@dataclass(frozen=True)
class _Variant:
    """One pulumi-policy policy cut from a rule."""

    rule: Rule
    stack: bool  # the whole-stack pass
    unproven: bool | None  # True: only unproven findings; False: only proven ones; None: both

    @property
    def name(self) -> str:
        return policy_name(self.rule.meta.name, stack=self.stack, unproven=bool(self.unproven))

    def wants(self, finding: Finding) -> bool:
        return self.unproven is None or finding.proven != self.unproven


def pack_settings(policy: ResidencyPolicy) -> dict[str, EnforcementLevel]:
    """The pack's initial config: every policy's level from the policy file."""
    return {variant.name: _LEVELS[_level(policy, variant)] for variant in _variants(policy)}


def build_policies(policy: ResidencyPolicy) -> list[Policy]:
    policies: list[Policy] = []
    for variant in _variants(policy):
        meta = variant.rule.meta
        common = {
            "name": variant.name,
            "description": meta.title + (" (values known only after apply)" if variant.unproven else ""),
            "enforcement_level": _LEVELS[_level(policy, variant)],
            "config_schema": CONFIG_SCHEMA,
            "display_name": f"{meta.id} {meta.title}",
            "severity": _SEVERITIES[meta.severity.value],
            "framework": PolicyComplianceFramework(name="residency", version="1", reference=meta.id, specification=meta.rationale),
            "tags": list(meta.tags),
            "remediation_steps": meta.remediation,
            "url": rule_url(meta.id),
        }
        if variant.stack:
            policies.append(StackValidationPolicy(validate=_validate_stack(variant, policy), **common))
        else:
            policies.append(ResourceValidationPolicy(validate=_validate_resource(variant, policy), **common))
    return policies


def _variants(policy: ResidencyPolicy) -> list[_Variant]:
    variants = []
    for rule in RULES:
        if rule.meta.reads_deployed_state:
            continue  # the engine hands a pack no deployed state to compare with
        setting = policy.setting(rule.meta.id, rule.meta.default_level)
        split = setting.unproven_level is not setting.level
        for stack in (False, True):
            for unproven in ((False, True) if split else (None,)):
                variants.append(_Variant(rule, stack, unproven))
    return variants


def _level(policy: ResidencyPolicy, variant: _Variant) -> Level:
    setting = policy.setting(variant.rule.meta.id, variant.rule.meta.default_level)
    return setting.unproven_level if variant.unproven else setting.level


def _validate_resource(variant: _Variant, base: ResidencyPolicy) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        policy = configured(base, args.get_config())
        judge = Judge(policy)
        resource = analyzed_resource(args)
        identity = ResourceIdentity.of(resource)
        for violation in _local_violations(variant.rule, resource, policy):
            finding = judge.finding(variant.rule.meta, violation, identity)
            if _reported(variant, finding):
                report_violation(_message(finding), args.urn)

    return validate


def _validate_stack(variant: _Variant, base: ResidencyPolicy) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        policy = configured(base, args.get_config())
        judge = Judge(policy)
        inventory = stack_inventory(args.resources)
        context = RuleContext(policy, inventory)
        for resource in inventory.resources:
            already = {_key(v) for v in _local_violations(variant.rule, resource, policy)}
            identity = ResourceIdentity.of(resource, inventory)
            for violation in variant.rule.check(resource, context):
                if _key(violation) not in already:
                    finding = judge.finding(variant.rule.meta, violation, identity)
                    if _reported(variant, finding):
                        report_violation(_message(finding), resource.urn)
        stack = ResourceIdentity.stack(inventory)
        for violation in variant.rule.check_stack(context):
            identity = ResourceIdentity.of(violation.resource, inventory) if violation.resource is not None else stack
            finding = judge.finding(variant.rule.meta, violation, identity)
            if _reported(variant, finding):
                urn = violation.resource.urn if violation.resource is not None else inventory.source.stack_urn
                report_violation(_message(finding), urn)

    return validate


def _reported(variant: _Variant, finding: Finding | None) -> bool:
    """Waived findings are not reported: the pack's verdict is the gate's, and a waiver is the
    policy file's decision (residency check's reports show it). An expired waiver no longer counts."""
    return finding is not None and not finding.waived and variant.wants(finding)


def _local_violations(rule: Rule, resource, policy: ResidencyPolicy) -> list[Violation]:
    """What the rule finds from this resource alone; what needs other resources is the stack pass's."""
    try:
        return list(rule.check(resource, RuleContext(policy)))
    except NeedsGraph:
        return []


def _key(violation: Violation) -> tuple:
    return (violation.path, violation.message, violation.proven)


def _message(finding: Finding) -> str:
    lines = [finding.message]
    lines.extend(f"  {evidence}" for evidence in finding.evidence)
    if finding.waiver is not None:
        waiver = finding.waiver.waiver
        lines.append(f"  waiver expired on {waiver.expires.isoformat()} (approved by {waiver.approved_by}): renew it in the policy")
    return "\n".join(lines)


def configured(base: ResidencyPolicy, config: Mapping[str, Any] | None) -> ResidencyPolicy:
    """The policy file's policy with a stack's `--policy-pack-config` applied."""
    if not config:
        return base
    settings = dict(config)
    changes: dict[str, Any] = {}
    if "allowedRegions" in settings:
        changes["allowed_regions"] = tuple(dict.fromkeys(lookup_region(r) for r in settings["allowedRegions"]))
    if "homeRegion" in settings:
        changes["home_region"] = lookup_region(settings["homeRegion"])
    if "protectedCompartments" in settings:
        changes["protected_compartments"] = frozenset(settings["protectedCompartments"])
    return replace(base, **changes, source=f"{base.source} with --policy-pack-config")
