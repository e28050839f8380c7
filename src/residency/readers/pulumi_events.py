"""Pulumi's engine event stream (`pulumi preview|up --event-log FILE`, `pulumi policy analyze
--json`): its policyEvent lines as a findings document. Policies named after residency's rules
get the rule's metadata; other packs' policies are reported under their own names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from residency.catalog import CATALOG
from residency.errors import InputError
from residency.pack_names import split_policy_name
from residency.policy import ResidencyPolicy
from residency.readers.common import DocumentBuilder, ForeignFinding, ForeignRule, resource_object
from residency.readers.shapes import check_shape
from residency.sources.pulumi_events import parse_events, step_states

COLOR_MARKUP = re.compile(r"<\{%[^%]*%\}>")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's sentinel for a value known only after apply
SEVERITIES = {"low", "medium", "high", "critical"}
# Pulumi levels -> ours. A remediation policy that reports a violation could not fix the
# resource: fail closed, as for a mandatory one.
LEVELS = {"advisory": "advisory", "mandatory": "mandatory", "remediate": "mandatory", "disabled": "disabled"}
NOT_CHECKED = ("pulumi:providers:", "pulumi:pulumi:Stack")
# pulumi-policy skips a policy that reads a value unknown at preview, with an advisory diagnostic
# that starts so: the policy did not run, which is never a pass.
SKIPPED_PREFIX = "can't run policy '"


def read_pulumi_events(text: str, *, file: str, policy: ResidencyPolicy) -> dict[str, Any]:
    events = list(parse_events(text, file))
    for line, event in events:
        check_shape(event, "pulumi-event", file=file, what="a Pulumi engine event", line=line)
    inputs = _step_inputs(events)
    builder = DocumentBuilder(policy)
    checked: dict[str, str] = {}  # urn -> type
    packs: dict[str, str] = {}
    stack = _stack_urn(events)
    for line, event in events:
        if "summaryEvent" in event:
            packs.update(event["summaryEvent"].get("PolicyPacks") or {})
        summary = event.get("policyAnalyzeSummaryEvent") or event.get("policyAnalyzeStackSummaryEvent")
        if summary is not None:
            packs.setdefault(summary.get("policyPackName", ""), summary.get("policyPackVersion", ""))
            for name in [*(summary.get("passed") or []), *(summary.get("failed") or [])]:
                builder.rule(ForeignRule(name, name, remediation=_remediation(name, summary)))
            urn = summary.get("resourceUrn")
            if urn and not _type(urn).startswith(NOT_CHECKED):
                checked[urn] = _type(urn)
        if "policyEvent" in event:
            finding = _finding(event["policyEvent"], line, file, stack, inputs)
            if not finding.resource["type"].startswith(NOT_CHECKED):
                checked[finding.resource["urn"]] = finding.resource["type"]
            builder.add(finding)
    project, stack_name = _project_and_stack(stack)
    notes = [f"policy pack {name} {version}".rstrip() for name, version in sorted(packs.items()) if name]
    source = {
        "kind": "pulumi-policy-events",
        "path": file,
        "project": project,
        "stack": stack_name,
        "notes": notes or ["no policy pack ran: the stream has no policy events (run with --policy-pack)"],
    }
    return builder.document(source, checked.values(), file=file)


def _finding(
    event: Mapping[str, Any], line: int, file: str, stack: str, inputs: Mapping[str, Mapping[str, Any]]
) -> ForeignFinding:
    level = LEVELS.get(event["enforcementLevel"])
    if level is None:
        raise InputError(
            f"unknown enforcement level {event['enforcementLevel']!r}; expected one of {', '.join(LEVELS)}",
            file=file,
            line=line,
            key="policyEvent.enforcementLevel",
        )
    severity = event.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        raise InputError(f"unknown severity {severity!r}", file=file, line=line, key="policyEvent.severity")
    urn = event.get("resourceUrn") or stack
    name = event["policyName"]
    pack = f"{event['policyPackName']} {event.get('policyPackVersion') or ''}".rstrip()
    resource_type = _type(urn)
    lines = [line.strip() for line in COLOR_MARKUP.sub("", event["message"]).splitlines() if line.strip()]
    skipped = bool(lines) and lines[0].startswith(SKIPPED_PREFIX)
    # pulumi-policy writes the policy's description, then the violation's own message
    description, message = (lines[0], lines[1:]) if len(lines) > 1 else (name, lines)
    return ForeignFinding(
        rule=ForeignRule(name, description, severity=severity, level=level, remediation=_remediation(name, event)),
        level=level,
        severity=severity,
        resource=resource_object(
            urn,
            urn.rsplit("::", 1)[-1],
            resource_type,
            CATALOG.terraform_type(resource_type),
            compartment=_compartment(inputs.get(urn, {})),
        ),
        message="\n".join(message) or description,
        evidence=[
            {"subject": urn.rsplit("::", 1)[-1], "relation": "violates", "value": f"policy {name} of pack {pack}"}
        ],
        proven=not skipped and not split_policy_name(name)[2],
    )


def _remediation(policy: str, event: Mapping[str, Any]) -> str:
    return f"See the remediation steps of policy {policy} in the policy pack {event.get('policyPackName', '')}."


def _type(urn: str) -> str:
    """The resource type in a URN (`urn:pulumi:stack::project::parent$type::name`)."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else urn


def _step_inputs(events: list[tuple[int, Mapping[str, Any]]]) -> dict[str, Mapping[str, Any]]:
    """Each resource's inputs, where the stream has its step events (an --event-log does)."""
    inputs = {}
    for _, _, payload in step_states(events):
        state = payload["metadata"].get("new")
        if isinstance(state, dict) and isinstance(state.get("inputs"), dict):
            inputs[state.get("urn", "")] = state["inputs"]
    return inputs


def _compartment(inputs: Mapping[str, Any]) -> str | None:
    value = inputs.get("compartmentId")
    return value if isinstance(value, str) and value != UNKNOWN else None


def _stack_urn(events: list[tuple[int, Mapping[str, Any]]]) -> str:
    """The stack's URN, built from any URN in the stream: `urn:pulumi:<stack>::<project>::...`."""
    for _, event in events:
        for payload in event.values():
            urn = payload.get("resourceUrn") if isinstance(payload, dict) else None
            if isinstance(urn, str) and urn.count("::") >= 3 and urn.startswith("urn:pulumi:"):
                stack, project = urn[len("urn:pulumi:") :].split("::")[:2]
                return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    return "stack"


def _project_and_stack(stack_urn: str) -> tuple[str | None, str | None]:
    if not stack_urn.startswith("urn:pulumi:"):
        return None, None
    stack, project = stack_urn[len("urn:pulumi:") :].split("::")[:2]
    return project, stack
