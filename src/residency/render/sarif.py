"""SARIF 2.1.0 for code scanning: one rule descriptor per rule, one result per finding."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from residency.render.document import fails, is_waived, rule_of

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# A rule's default level follows its severity; GitHub ranks security alerts by
# `security-severity` (critical above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low below 4.0).
_DEFAULT_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
FINGERPRINT_KEY = "residencyFinding/v1"


def render_sarif(document: Mapping[str, Any]) -> str:
    return json.dumps(sarif_log(document), indent=2, ensure_ascii=False) + "\n"


def sarif_log(document: Mapping[str, Any]) -> dict[str, Any]:
    rules = list(document["rules"])
    listed = {rule["id"] for rule in rules}
    for finding in document["findings"]:  # a document from another engine may not list every rule
        if finding["rule_id"] not in listed:
            rules.append(rule_of(document, finding))
            listed.add(finding["rule_id"])
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    source = document["source"]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": document["tool"]["name"],
                "version": document["tool"]["version"],
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": _category(source)},
        "results": [_result(document, finding, index) for finding in document["findings"]],
        "properties": {
            "source": {key: source.get(key) for key in ("kind", "path", "project", "stack")},
            "policy": document["policy"],
            "summary": document["summary"],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _category(source: Mapping[str, Any]) -> str:
    """Code scanning keeps one set of alerts per category: one per project and stack."""
    parts = [p for p in (source.get("project"), source.get("stack")) if p] or [source["path"]]
    return "residency/" + "/".join(parts) + "/"


def _descriptor(rule: Mapping[str, Any]) -> dict[str, Any]:
    severity = rule["severity"]
    help_text = rule["remediation"]
    descriptor: dict[str, Any] = {
        "id": rule["id"],
        "name": rule["name"],
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": rule["rationale"] or rule["title"]},
        "help": {
            "text": f"How to fix: {help_text}",
            "markdown": f"**Why it matters.** {rule['rationale'] or rule['title']}\n\n**How to fix.** {help_text}",
        },
        "defaultConfiguration": {"level": _DEFAULT_LEVEL[severity], "enabled": rule["level"] != "disabled"},
        "properties": {
            "tags": sorted({"security", "residency", *rule["tags"]}),
            "security-severity": _SECURITY_SEVERITY[severity],
            "severity": severity,
            "level": rule["level"],
        },
    }
    if rule.get("url"):
        descriptor["helpUri"] = rule["url"]
    return descriptor


def _result(document: Mapping[str, Any], finding: Mapping[str, Any], index: Mapping[str, int]) -> dict[str, Any]:
    resource = finding["resource"]
    fail_on = document["summary"]["fail_on"]
    failing = fails(finding, fail_on)
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": resource["urn"], "name": resource["name"], "kind": "resource"}],
    }
    uri = _artifact_uri(document["source"], finding["location"])
    if uri is not None:
        region = {"startLine": finding["location"]["line"]} if finding["location"].get("line") else None
        location["physicalLocation"] = {"artifactLocation": {"uri": uri}, **({"region": region} if region else {})}
    result: dict[str, Any] = {
        "ruleId": finding["rule_id"],
        "ruleIndex": index[finding["rule_id"]],
        # the policy's level decides: a finding at a failing level is an error (a waived one is
        # suppressed, not downgraded), the rest are warnings
        "level": "error" if fails({**finding, "waiver": None}, fail_on) else "warning",
        "message": {"text": _message(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding["fingerprint"]},
        "properties": {
            "severity": finding["severity"],
            "level": finding["level"],
            "proven": finding["proven"],
            "failing": failing,
            "resourceType": resource["type"],
            "region": resource["region"],
            "regionSource": resource["region_source"],
            "compartment": resource.get("compartment"),
            "path": finding["path"],
            "evidence": [f"{e['subject']} {e['relation']} {e['value']}" for e in finding["evidence"]],
        },
    }
    waiver = finding["waiver"]
    if is_waived(finding):
        justification = "; ".join(
            filter(
                None,
                [
                    waiver["reason"],
                    f"approved by {waiver['approved_by']}" if waiver.get("approved_by") else None,
                    waiver.get("reference"),
                    f"expires {waiver['expires']}" if waiver.get("expires") else None,
                ],
            )
        )
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    return result


def _message(finding: Mapping[str, Any]) -> str:
    resource = finding["resource"]
    text = f"{resource['name']} ({resource['type']}): {finding['message']}"
    if not finding["proven"]:
        text += " (could not be proven before apply)"
    return text


def _artifact_uri(source: Mapping[str, Any], location: Mapping[str, Any] | None) -> str | None:
    """The program file, relative to where the check ran, as code scanning maps it to the
    repository; None when the finding has no file."""
    if not location or not location.get("file"):
        return None
    file = location["file"]
    base = source.get("path") if source.get("kind") == "pulumi-program" else None
    joined = posixpath.normpath(posixpath.join(base, file)) if base else file
    if posixpath.isabs(joined):
        return PurePosixPath(joined).as_uri()
    return None if joined.startswith("../") else joined
