"""What both readers share: recognising residency's own rules behind another engine's names,
and assembling a findings document that the schema accepts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from residency.enforcement import Level, Severity
from residency.engine import Judge
from residency.findings import ResourceIdentity, findings_document, fingerprint, rule_document, waiver_document
from residency.pack_names import split_policy_name
from residency.policy import ResidencyPolicy
from residency.render.document import validate_document
from residency.rules import RULES, RuleMeta

UNSTATED_SEVERITY = Severity.MEDIUM  # Checkov offline and older Pulumi CLIs give none


def residency_rule(identifier: str) -> RuleMeta | None:
    """Residency's rule behind a policy name or check id: the id or the name, alone or after a
    prefix (`RES001`, `resource-region`, `residency-resource-region`, `CKV_RES_001`), or one of the
    policies the oci-residency pack cuts from it (`resource-region-stack-unproven`)."""
    rule_part, _, _ = split_policy_name(identifier)
    tokens = [t for t in re.split(r"[^a-z0-9]+", rule_part.lower()) if t]
    tails = {"".join(tokens[start:]) for start in range(len(tokens))}
    for rule in RULES:
        if tails & {re.sub(r"[^a-z0-9]", "", i.lower()) for i in rule.meta.ids}:
            return rule.meta
    return None


@dataclass
class ForeignRule:
    """A policy or check as another engine names it, with what it tells about it."""

    identifier: str
    title: str
    severity: str | None = None
    level: str | None = None
    remediation: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class ForeignFinding:
    rule: ForeignRule
    level: str
    resource: dict[str, Any]  # the document's resource object
    message: str
    severity: str | None = None
    path: str | None = None
    location: dict[str, Any] | None = None
    evidence: list[dict[str, str]] = field(default_factory=list)
    waiver: dict[str, Any] | None = None
    proven: bool = True  # False: the engine could not evaluate the policy (a value unknown before apply)


class DocumentBuilder:
    """Collects the rules that ran and their findings, and writes the findings document."""

    def __init__(self, policy: ResidencyPolicy, source_kind: str = "pulumi-policy-events"):
        self.policy = policy
        self.source_kind = source_kind  # what was checked: remediation is worded for it
        self._judge = Judge(policy)
        self.rules: dict[str, dict[str, Any]] = {}
        self.findings: list[dict[str, Any]] = []
        self._foreign: set[str] = set()  # rules that are not residency's
        self._severity_stated: set[str] = set()

    def rule(self, foreign: ForeignRule) -> dict[str, Any]:
        """The document's rule for a policy or check (residency's own, where it is one). An engine
        may name a policy several times; what it says later completes what it said before."""
        meta = residency_rule(foreign.identifier)
        key = meta.id if meta else foreign.identifier
        if key not in self.rules:
            if meta is not None:
                level = self.policy.setting(meta.id, meta.default_level).level
                self.rules[key] = rule_document(meta, level, self.source_kind)
            else:
                self._foreign.add(key)
                self.rules[key] = {
                    "id": key,
                    "name": key,
                    "title": foreign.title,
                    "severity": UNSTATED_SEVERITY.value,
                    "level": Level.ADVISORY.value,  # Pulumi's default for a policy; Checkov's say mandatory
                    "rationale": "",
                    "remediation": foreign.remediation or f"Make the resource pass {key}: {foreign.title}.",
                    "applies_to": "",
                    "tags": list(foreign.tags),
                    "url": None,
                }
        rule = self.rules[key]
        rule["url"] = rule["url"] or foreign.url
        if key in self._foreign:
            if rule["title"] == key:
                rule["title"] = foreign.title
            if foreign.severity is not None and key not in self._severity_stated:
                rule["severity"] = foreign.severity
                self._severity_stated.add(key)
            if foreign.level is not None and Level(foreign.level).fails(Level(rule["level"])):
                rule["level"] = foreign.level  # the strictest level the engine reported it at
        return rule

    def add(self, finding: ForeignFinding) -> None:
        rule = self.rule(finding.rule)
        level, waiver = finding.level, finding.waiver
        meta = residency_rule(finding.rule.identifier)
        if meta is not None:  # residency's own rule: the engine's judge decides, as in every engine
            level = self._judge.level(meta, proven=finding.proven).value
            if level == Level.DISABLED.value:
                return
            waiver = waiver_document(self._judge.waiver(meta, ResourceIdentity(**finding.resource)))
        self.findings.append(
            {
                "rule_id": rule["id"],
                "rule_name": rule["name"],
                "title": rule["title"],
                "severity": finding.severity or rule["severity"],
                "level": level,
                "proven": finding.proven,
                "resource": finding.resource,
                "path": finding.path,
                "message": finding.message,
                "evidence": finding.evidence,
                "remediation": rule["remediation"],
                "location": finding.location,
                "waiver": waiver,
                "fingerprint": fingerprint(rule["id"], finding.resource["urn"], finding.path),
            }
        )

    def document(self, source: Mapping[str, Any], resources: Iterable[str], *, file: str) -> dict[str, Any]:
        """`resources`: the type of every resource that was checked, one entry per resource."""
        notes = list(source.get("notes", []))
        unstated = sorted(self._foreign - self._severity_stated)
        if unstated:
            notes.append(
                f"no severity given by the engine for {', '.join(unstated)}: shown as {UNSTATED_SEVERITY.value}"
            )
        document = findings_document(
            source={**source, "notes": notes},
            policy=self.policy,
            rules=sorted(self.rules.values(), key=lambda r: r["id"]),
            findings=sorted(self.findings, key=_sort_key),
            resources_by_type=Counter(resources),
            fail_on=Level.MANDATORY,
        )
        validate_document(document, file=file)
        return document


def _sort_key(finding: Mapping[str, Any]) -> tuple:
    """The order `residency check` gives: failing first, then severity, rule, resource."""
    rank = [s.value for s in Severity].index(finding["severity"])
    return (
        finding["level"] != "mandatory",
        -rank,
        finding["rule_id"],
        finding["resource"]["urn"],
        finding["path"] or "",
        finding["message"],
    )


def resource_object(
    urn: str, name: str, type_: str, terraform_type: str | None, *, compartment: str | None = None
) -> dict[str, Any]:
    """A resource as another engine reports it: no region decision of ours behind it."""
    return {
        "urn": urn,
        "name": name,
        "type": type_,
        "terraform_type": terraform_type,
        "region": None,
        "region_source": None,
        "provider": None,
        "compartment": compartment,
    }
