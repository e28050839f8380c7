"""SARIF 2.1.0 for code scanning: one rule descriptor per rule, one result per finding, each at a
file and line of the repository.

Code scanning maps a result to a file by its URI relative to the repository root, so every URI is
relative to the git root (`uriBaseId` `%SRCROOT%`, whose absolute place `originalUriBaseIds`
gives). A result needs a physical location to be shown at all: a finding without a file of its
own is placed at what configured it (the stack config, `Pulumi.yaml`, the plan file). A finding
whose value was written elsewhere (a region in the stack config) is placed at that cause, the
line a pull request changes, with the resource as a related location."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from residency.documentation import PROJECT_URL
from residency.render.baseline import baseline_state
from residency.render.document import document_verdict, fails, is_waived, rule_of, safe_url
from residency.render.json_text import indented_json
from residency.render.places import Places

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# A rule's default level follows its severity; GitHub ranks security alerts by
# `security-severity` (critical above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low below 4.0).
_DEFAULT_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
FINGERPRINT_KEY = "residencyFinding/v1"


def render_sarif(document: Mapping[str, Any]) -> str:
    return "".join(indented_json(sarif_log(document), ensure_ascii=False)) + "\n"


def sarif_log(document: Mapping[str, Any], *, cwd: Path | None = None) -> dict[str, Any]:
    rules = list(document["rules"])
    listed = {rule["id"] for rule in rules}
    for finding in document["findings"]:  # a document from another engine may not list every rule
        if finding["rule_id"] not in listed:
            rules.append(rule_of(document, finding))
            listed.add(finding["rule_id"])
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    source = document["source"]
    places = Places(source, cwd)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": document["tool"]["name"],
                "version": document["tool"]["version"],
                "semanticVersion": document["tool"]["version"],
                "informationUri": PROJECT_URL,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": _category(source)},
        "originalUriBaseIds": places.base_ids(),
        "results": [_result(document, finding, index, places) for finding in document["findings"]],
        "properties": {
            "source": {key: source.get(key) for key in ("kind", "path", "project", "stack")},
            "policy": document["policy"],
            "summary": {**document["summary"], **document_verdict(document)},
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
    url = safe_url(rule.get("url"))
    more = f"\n\nDocumentation: {url}" if url else ""
    descriptor: dict[str, Any] = {
        "id": rule["id"],
        "name": rule["name"],
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": rule["rationale"] or rule["title"]},
        "help": {
            "text": f"Why it matters: {rule['rationale'] or rule['title']}\n\nHow to fix: {help_text}{more}",
            "markdown": f"**Why it matters.** {rule['rationale'] or rule['title']}\n\n**How to fix.** {help_text}"
            + (f"\n\n[Documentation]({url})" if url else ""),
        },
        "defaultConfiguration": {"level": _DEFAULT_LEVEL[severity], "enabled": rule["level"] != "disabled"},
        "properties": {
            "tags": sorted({"security", "residency", *rule["tags"]}),
            "security-severity": _SECURITY_SEVERITY[severity],
            "severity": severity,
            "level": rule["level"],
        },
    }
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _physical(places: Places, file: str, line: int | None) -> dict[str, Any]:
    return {"artifactLocation": places.artifact(file), "region": {"startLine": line or 1}}


def _result(
    document: Mapping[str, Any], finding: Mapping[str, Any], index: Mapping[str, int], places: Places
) -> dict[str, Any]:
    resource = finding["resource"]
    fail_on = document["summary"]["fail_on"]
    failing = fails(finding, fail_on)
    logical = [{"fullyQualifiedName": resource["urn"], "name": resource["name"], "kind": "resource"}]
    where = finding.get("location")
    causes = [o for o in finding.get("origins") or () if o.get("file")]
    related: list[dict[str, Any]] = []
    if causes:  # the line that made it so is where a reviewer acts: the primary location
        primary = _physical(places, causes[0]["file"], causes[0]["line"])
        for cause in causes[1:]:
            related.append({"physicalLocation": _physical(places, cause["file"], cause["line"]),
                            "message": {"text": f"{cause['kind']} {cause['name']}"}})
        if where and where.get("file"):
            related.append({"physicalLocation": _physical(places, where["file"], where.get("line")),
                            "message": {"text": f"{resource['name']} is declared here"}})
    elif where and where.get("file"):
        primary = _physical(places, where["file"], where.get("line"))
    else:
        primary = _physical(places, places.fallback(), None)
    message = _link_text(_message(finding))
    for position, entry in enumerate(related, start=1):
        entry["id"] = position
    if related:  # code scanning shows embedded links to related locations
        message += " See " + ", ".join(f"[{_link_text(e['message']['text'])}]({e['id']})" for e in related) + "."
    result: dict[str, Any] = {
        "ruleId": finding["rule_id"],
        "ruleIndex": index[finding["rule_id"]],
        # the policy's level decides: a finding at a failing level is an error (a waived one is
        # suppressed, not downgraded), the rest are warnings
        "level": "error" if fails({**finding, "waiver": None}, fail_on) else "warning",
        "message": {"text": message},
        "locations": [{"physicalLocation": primary, "logicalLocations": logical}],
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
    if related:
        result["relatedLocations"] = related
    state = baseline_state(finding)
    if state is not None:
        result["baselineState"] = state
    waiver = finding["waiver"]
    if is_waived(finding):
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": _justification(waiver)}]
    return result


def _justification(waiver: Mapping[str, Any]) -> str:
    return "; ".join(
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


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _message(finding: Mapping[str, Any]) -> str:
    resource = finding["resource"]
    text = f"{resource['name']} ({resource['type']}): {finding['message']}"
    causes = finding.get("origins") or ()
    if causes:
        cause = causes[0]
        text += f" Cause: {cause['kind']} {cause['name']}" + (f" = {cause['value']}" if cause.get("value") else "")
    if not finding["proven"]:
        text += " (could not be proven before apply)"
    return text
