"""Findings: a rule's violation, with the level the policy gives it and the resource it is about.
The findings document (JSON, versioned) is the one source every report is rendered from."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from residency import __version__
from residency.access_view import access_view
from residency.catalog import terraform_identifier
from residency.catalog.tokens import COMPARTMENT
from residency.documentation import remediation, rule_url
from residency.enforcement import Level, Severity
from residency.inputs import collector_paused
from residency.inventory import Inventory, Origin, Resource, SourceLocation
from residency.policy import ResidencyPolicy, Waiver
from residency.rules.base import Evidence, RuleMeta
from residency.value_object import value_object

DOCUMENT_VERSION = "1.2"


@value_object
class ResourceIdentity:
    urn: str
    name: str
    type: str  # pulumi token, or Terraform type
    terraform_type: str | None
    region: str | None  # as shown (never a secret value)
    region_source: str | None
    provider: str | None
    compartment: str | None = None  # for grouping in reports; None when the program does not say

    @classmethod
    def of(cls, resource: Resource, inventory: Inventory | None = None) -> ResourceIdentity:
        resolution = resource.region
        return cls(
            urn=resource.urn,
            name=resource.name,
            type=resource.type_label,
            terraform_type=resource.terraform_type,
            region=resolution.shown if resolution else None,
            region_source=resolution.source.value if resolution else None,
            provider=resource.provider,
            compartment=compartment_of(resource, inventory),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """What a waiver may call the resource, the same in every engine: its URN (or Terraform
        address), its name, and `<Terraform type>.<name>` with the name as Terraform writes it. For
        an address that is the name in it (`module.db.oci_identity_dynamic_group.admins["a"]` ->
        `admins`), which is the Pulumi name where the resource came through the plan export."""
        names = [self.urn, self.name]
        match = _ADDRESS_NAME.match(self.urn)
        short = match.group(1) if match else terraform_identifier(self.name)
        names.append(short)
        if self.terraform_type:
            names.append(f"{self.terraform_type}.{short}")
        return tuple(dict.fromkeys(names))

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t in (self.type, self.terraform_type) if t)

    @classmethod
    def stack(cls, inventory: Inventory) -> ResourceIdentity:
        source = inventory.source
        name = f"{source.project}-{source.stack}" if source.project else source.path
        return cls(
            urn=source.stack_urn or source.path, name=name, type="pulumi:pulumi:Stack" if source.stack_urn else "stack",
            terraform_type=None, region=None, region_source=None, provider=None,
        )


# A Terraform address: module calls, an optional `data.`, the type, then the name and an index.
_ADDRESS_NAME = re.compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*(?:data\.)?[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?$")


def compartment_of(resource: Resource, inventory: Inventory | None) -> str | None:
    """The compartment as a reviewer knows it: the OCID the program writes, or the name of the
    compartment the program creates (its OCID is known only after apply)."""
    value = resource.first("compartment_id")
    if value is None:
        return None
    if value.known:
        return value.shown()
    for urn in resource.dependencies_of("compartment_id"):
        compartment = inventory.get(urn) if inventory is not None else None
        if compartment is not None and compartment.token == COMPARTMENT:
            name = compartment.first("name")
            return name.shown() if name is not None and name.known else compartment.name
    return None


def fingerprint(rule_id: str, urn: str, path: str | None) -> str:
    """Stable across runs and engines: the same rule, resource and property give the same
    fingerprint, whether the finding comes from `residency check`, the policy pack or Checkov."""
    key = "\0".join([rule_id, urn, path or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AppliedWaiver:
    waiver: Waiver
    active: bool  # False: expired, so the finding counts again


@value_object
class Finding:
    rule: RuleMeta
    level: Level
    resource: ResourceIdentity
    message: str
    evidence: tuple[Evidence, ...]
    proven: bool
    path: str | None
    location: SourceLocation | None
    waiver: AppliedWaiver | None = None
    origins: tuple[Origin, ...] = ()  # where the value at fault was written, deepest first

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def waived(self) -> bool:
        return self.waiver is not None and self.waiver.active

    def fails(self, fail_on: Level) -> bool:
        return not self.waived and self.level.fails(fail_on)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule.id, self.resource.urn, self.path)

    def sort_key(self) -> tuple:
        return (-_FAILS_MANDATORY[self.level], -_RANK[self.rule.severity], self.rule.id, self.resource.urn, self.path or "",
                self.message)


# What the order of findings reads of each level and severity, worked out once: `Level.fails` and
# `Severity.rank` build their tables on every call, and sorting asks them of every finding.
_FAILS_MANDATORY = {level: level.fails(Level.MANDATORY) for level in Level}
_RANK = {severity: severity.rank for severity in Severity}


@dataclass(frozen=True)
class Report:
    """The outcome of one evaluation: findings plus what was checked."""

    inventory: Inventory
    policy: ResidencyPolicy
    rules: tuple[tuple[RuleMeta, Level], ...]  # every rule with its level, disabled ones too
    findings: tuple[Finding, ...]
    evaluated_at: datetime.date

    def failing(self, fail_on: Level) -> list[Finding]:
        return [f for f in self.findings if f.fails(fail_on)]

    def to_document(self, fail_on: Level = Level.MANDATORY) -> dict:
        with collector_paused():  # a few dicts per finding, all kept: a collection would find nothing to free
            return self._document(fail_on)

    def _document(self, fail_on: Level) -> dict:
        source = self.inventory.source
        document = findings_document(
            source={
                "kind": source.kind, "path": source.path, "project": source.project,
                "stack": source.stack, "notes": list(source.notes),
            },
            policy=self.policy,
            rules=[rule_document(meta, level, source.kind) for meta, level in self.rules],
            findings=finding_documents(self.findings, source.kind),
            resources_by_type=Counter(r.type_label for r in self.inventory.resources if r.custom and not r.is_provider),
            fail_on=fail_on,
        )
        document["access"] = access_view(self.inventory, self.policy, self.evaluated_at)
        return document


def findings_document(
    *, source: Mapping[str, Any], policy: ResidencyPolicy, rules: list[dict], findings: list[dict],
    resources_by_type: Mapping[str, int], fail_on: Level,
) -> dict:
    """The findings document, with its summary computed from the findings: the one place that
    builds it, for `residency check` and for the readers of other engines' output."""
    open_findings = [f for f in findings if not (f["waiver"] and f["waiver"]["active"])]
    failing_levels = {level.value for level in Level if level.fails(fail_on)}
    by_level = Counter(f["level"] for f in open_findings)
    failing = sum(count for level, count in by_level.items() if level in failing_levels)
    return {
        "version": DOCUMENT_VERSION,
        "tool": {"name": "residency", "version": __version__},
        "source": dict(source),
        "policy": policy_document(policy),
        "rules": rules,
        "summary": {
            "resources": sum(resources_by_type.values()),
            "resources_by_type": dict(sorted(resources_by_type.items())),
            "findings": len(findings),
            "by_level": {level.value: by_level.get(level.value, 0) for level in (Level.MANDATORY, Level.ADVISORY)},
            "by_severity": dict(sorted(Counter(f["severity"] for f in open_findings).items())),
            "waived": len(findings) - len(open_findings),
            "unproven": sum(not f["proven"] for f in findings),
            "fail_on": fail_on.value,
            "failing": failing,
            "passed": not failing,
        },
        "findings": findings,
    }


def policy_document(policy: ResidencyPolicy) -> dict:
    return {
        "source": policy.source,
        "sha256": policy.sha256,
        "allowed_regions": [r.name for r in policy.allowed_regions],
        "home_region": policy.home_region.name,
        "classification_tag": policy.classification.tag,
    }


def rule_document(meta: RuleMeta, level: Level, source_kind: str = "pulumi-program") -> dict:
    return {
        "id": meta.id, "name": meta.name, "title": meta.title, "severity": meta.severity.value,
        "level": level.value, "rationale": meta.rationale,
        "remediation": remediation(meta.id, meta.remediation, source_kind),
        "applies_to": meta.applies_to, "tags": list(meta.tags), "url": rule_url(meta.id),
    }


def finding_documents(findings: Iterable[Finding], source_kind: str) -> list[dict]:
    """Each finding as the document writes it. What a finding takes from its rule is read once per
    rule rather than once per finding: a large plan has tens of thousands of findings of a few rules."""
    by_rule: dict[str, _RuleFields] = {}
    documents = []
    for finding in findings:
        rule = by_rule.get(finding.rule.id)
        if rule is None:
            rule = by_rule[finding.rule.id] = _RuleFields.of(finding.rule, source_kind)
        documents.append(_finding_document(finding, rule))
    return documents


@dataclass(frozen=True, slots=True)
class _RuleFields:
    """What each finding of a rule says of its rule."""

    id: str
    name: str
    title: str
    severity: str
    remediation: str

    @classmethod
    def of(cls, meta: RuleMeta, source_kind: str) -> _RuleFields:
        return cls(meta.id, meta.name, meta.title, meta.severity.value, remediation(meta.id, meta.remediation, source_kind))


def _finding_document(finding: Finding, rule: _RuleFields) -> dict:
    resource = finding.resource
    location = finding.location
    return {
        "rule_id": rule.id,
        "rule_name": rule.name,
        "title": rule.title,
        "severity": rule.severity,
        "level": finding.level.value,
        "proven": finding.proven,
        "resource": {
            "urn": resource.urn, "name": resource.name, "type": resource.type,
            "terraform_type": resource.terraform_type, "region": resource.region,
            "region_source": resource.region_source, "provider": resource.provider,
            "compartment": resource.compartment,
        },
        "path": finding.path,
        "message": finding.message,
        "evidence": [{"subject": e.subject, "relation": e.relation, "value": e.value} for e in finding.evidence],
        "remediation": rule.remediation,
        "location": {"file": location.file, "line": location.line} if location else None,
        "waiver": waiver_document(finding.waiver),
        "fingerprint": fingerprint(rule.id, resource.urn, finding.path),
        "origins": [
            {"kind": o.kind, "name": o.name, "file": o.file, "line": o.line, "value": o.value} for o in finding.origins
        ],
    }


def waiver_document(applied: AppliedWaiver | None) -> dict | None:
    if applied is None:
        return None
    waiver = applied.waiver
    return {
        "active": applied.active, "reason": waiver.reason, "approved_by": waiver.approved_by,
        "reference": waiver.reference, "expires": waiver.expires.isoformat(),
    }


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.sort_key))
