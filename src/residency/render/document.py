"""The findings document as renderers read it: loaded, checked against its schema, and grouped the
way reviewers read it (rule, then compartment, then resource)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

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


def fails(finding: Mapping[str, Any], fail_on: str) -> bool:
    """The same decision as `Finding.fails`, from the document."""
    order = {"disabled": 0, "advisory": 1, "mandatory": 2}
    return not is_waived(finding) and finding["level"] != "disabled" and order[finding["level"]] >= order[fail_on]


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
        by_urn.setdefault(resource["urn"], ResourceGroup(resource)).findings.append(finding)
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
