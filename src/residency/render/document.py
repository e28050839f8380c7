"""The findings document as renderers read it: loaded, checked against its schema, and grouped the
way reviewers read it (rule, then compartment, then resource)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from residency.errors import InputError
from residency.inputs import parse_json

SEVERITIES = ("critical", "high", "medium", "low")


def findings_schema() -> dict[str, Any]:
    return json.loads(resources.files("residency.schemas").joinpath("findings-v1.schema.json").read_text())


def parse_document(text: str, *, file: str) -> dict[str, Any]:
    """A saved findings document, checked against the schema."""
    document = parse_json(text, file=file)
    validate_document(document, file=file, text=text)
    return document


def validate_document(document: Any, *, file: str, text: str | None = None) -> None:
    """Raise an InputError naming the first place where `document` breaks the schema."""
    if (
        isinstance(document, dict)
        and isinstance(document.get("version"), str)
        and not document["version"].startswith("1.")
    ):
        raise InputError(
            f"findings document version {document['version']} is not supported; this residency reads 1.x",
            file=file,
            key="version",
        )
    validator = jsonschema.Draft202012Validator(findings_schema())
    # outermost first, and what is missing before what is extra
    errors = sorted(
        validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.validator != "required")
    )
    if not errors:
        return
    first, rest = errors[0], errors[1:]
    raise InputError(
        f"not a residency findings document: {first.message}",
        file=file,
        line=_line(text, list(first.absolute_path)),
        key=first.json_path,
        details=[f"{e.json_path}: {e.message}" for e in rest[:9]]
        + ([f"... and {len(rest) - 9} more"] if len(rest) > 9 else []),
    )


def _line(text: str | None, path: list[Any]) -> int | None:
    """The line of the value at `path` in JSON text, by reading the text as YAML (which keeps
    lines). Only on the error path, so a large document costs nothing when it is valid."""
    if text is None:
        return None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from residency.yamlfile import line_of

    try:
        return line_of(YAML(typ="rt", pure=True).load(text), path)
    except YAMLError:
        return None


@dataclass
class ResourceGroup:
    resource: Mapping[str, Any]
    findings: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass
class CompartmentGroup:
    compartment: str | None  # None: the program does not say
    resources: list[ResourceGroup] = field(default_factory=list)


@dataclass
class RuleGroup:
    rule: Mapping[str, Any]
    findings: list[Mapping[str, Any]]
    compartments: list[CompartmentGroup]

    @property
    def waived(self) -> int:
        return sum(is_waived(f) for f in self.findings)

    @property
    def failing(self) -> int:
        return sum(1 for f in self.findings if f.get("failing"))


def is_waived(finding: Mapping[str, Any]) -> bool:
    return bool(finding["waiver"] and finding["waiver"]["active"])


_LEVEL_ORDER = {"disabled": 0, "advisory": 1, "mandatory": 2}


def fails(finding: Mapping[str, Any], fail_on: str) -> bool:
    """The same decision as `Finding.fails`, from the document."""
    level = finding["level"]
    return not is_waived(finding) and level != "disabled" and _LEVEL_ORDER[level] >= _LEVEL_ORDER[fail_on]


def verified_summary(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document's summary with every count and the verdict recomputed from its findings: a
    document's own `passed` or `failing` is never trusted (it may come from another engine, or be
    edited). `verdict` is `failed`, `passed`, or `nothing-checked` when no resource was evaluated
    (an event log without policy events passes nothing)."""
    summary = dict(document["summary"])
    fail_on = summary["fail_on"]
    findings = document["findings"]
    failing = sum(1 for f in findings if fails(f, fail_on))
    opened = [f for f in findings if not is_waived(f)]
    levels = Counter(f["level"] for f in opened)
    summary.update(
        findings=len(findings),
        failing=failing,
        waived=len(findings) - len(opened),
        unproven=sum(1 for f in findings if not f["proven"]),
        by_level={"mandatory": levels.get("mandatory", 0), "advisory": levels.get("advisory", 0)},
        by_severity=dict(sorted(Counter(f["severity"] for f in opened).items())),
        passed=failing == 0 and bool(findings or summary["resources"]),
    )
    if failing:
        summary["verdict"] = "failed"
    elif not findings and not summary["resources"]:
        summary["verdict"] = "nothing-checked"
    else:
        summary["verdict"] = "passed"
    return summary


def document_verdict(document: Mapping[str, Any]) -> dict[str, Any]:
    """What SARIF and JSON consumers read as the outcome, recomputed from the findings."""
    summary = verified_summary(document)
    return {key: summary[key] for key in ("failing", "passed", "verdict")}


def safe_url(url: Any) -> str | None:
    """A link a report may show: http(s) only (a `javascript:` or `data:` guideline is no link)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def rule_of(document: Mapping[str, Any], finding: Mapping[str, Any]) -> Mapping[str, Any]:
    """The rule a finding belongs to; a document from another engine may not list it."""
    for rule in document["rules"]:
        if rule["id"] == finding["rule_id"]:
            return rule
    return {
        "id": finding["rule_id"],
        "name": finding["rule_name"],
        "title": finding["title"],
        "severity": finding["severity"],
        "level": finding["level"],
        "rationale": "",
        "remediation": finding["remediation"],
        "applies_to": "",
        "tags": [],
        "url": None,
    }


def group_findings(document: Mapping[str, Any]) -> list[RuleGroup]:
    """Findings by rule (in the document's rule order), then compartment, then resource."""
    fail_on = document["summary"]["fail_on"]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in document["findings"]:
        by_rule.setdefault(finding["rule_id"], []).append({**finding, "failing": fails(finding, fail_on)})
    order = {rule["id"]: index for index, rule in enumerate(document["rules"])}
    groups = []
    for rule_id in sorted(by_rule, key=lambda r: (order.get(r, len(order)), r)):
        findings = by_rule[rule_id]
        groups.append(RuleGroup(rule_of(document, findings[0]), findings, _by_compartment(findings)))
    return groups


def _by_compartment(findings: list[Mapping[str, Any]]) -> list[CompartmentGroup]:
    compartments: dict[str | None, dict[str, ResourceGroup]] = {}
    for finding in findings:
        resource = finding["resource"]
        by_urn = compartments.setdefault(resource.get("compartment"), {})
        group = by_urn.get(resource["urn"])
        if group is None:  # not setdefault: that would build a group for every finding
            group = by_urn[resource["urn"]] = ResourceGroup(resource)
        group.findings.append(finding)
    return [
        CompartmentGroup(name, [by_urn[urn] for urn in sorted(by_urn)])
        for name, by_urn in sorted(compartments.items(), key=lambda item: (item[0] is None, item[0] or ""))
    ]


def target(document: Mapping[str, Any]) -> str:
    """What was checked, in a few words: `project (stack s)` or the path."""
    source = document["source"]
    if source.get("project"):
        return f"{source['project']} (stack {source['stack']})" if source.get("stack") else source["project"]
    return source["path"]


def checked_rules(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [rule for rule in document["rules"] if rule["level"] != "disabled"]


@dataclass
class CauseGroup:
    """Findings that one written line explains: a stack-config key, a provider block, or the
    resource's own declaration when nothing else is known."""

    kind: str  # stack-config | provider | variable | declaration | unknown
    file: str | None
    line: int | None
    name: str
    value: str | None
    findings: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def place(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def failing(self) -> int:
        return sum(1 for f in self.findings if f.get("failing"))

    @property
    def resources(self) -> int:
        return len({f["resource"]["urn"] for f in self.findings})

    def names(self, most: int) -> list[str]:
        """The first `most` resource names, each once."""
        return list(dict.fromkeys(f["resource"]["name"] for f in self.findings))[:most]

    @property
    def explains(self) -> bool:
        """Worth showing as a cause: a written value behind the findings, or one line behind several."""
        return self.kind in ("stack-config", "provider", "variable") or (self.kind != "unknown" and len(self.findings) > 1)


def cause_of(finding: Mapping[str, Any]) -> tuple[str, str | None, int | None, str, str | None]:
    """(kind, file, line, name, value): the deepest recorded origin, else the declaration."""
    for origin in finding.get("origins") or ():
        return origin["kind"], origin["file"], origin["line"], origin["name"], origin["value"]
    location = finding.get("location")
    if location and location.get("file"):
        return "declaration", location["file"], location.get("line"), finding["resource"]["name"], None
    return "unknown", None, None, "", None


def group_by_cause(document: Mapping[str, Any]) -> list[CauseGroup]:
    """Findings by what caused them, the causes that fail the gate most first."""
    fail_on = document["summary"]["fail_on"]
    groups: dict[tuple, CauseGroup] = {}
    for finding in document["findings"]:
        key = cause_of(finding)
        group = groups.get(key)
        if group is None:  # not setdefault: that would build a group for every finding
            group = groups[key] = CauseGroup(*key)
        group.findings.append({**finding, "failing": fails(finding, fail_on)})
    return sorted(
        groups.values(),
        key=lambda g: (-g.failing, -len(g.findings), g.kind == "unknown", g.file or "", g.line or 0, g.name),
    )
