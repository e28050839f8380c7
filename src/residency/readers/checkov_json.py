"""Checkov's JSON output (`checkov -o json`) as a findings document: failed checks are findings,
skipped checks are waived findings (but a residency check skipped by a comment in the scanned code
is an unproven finding: only the policy waives), passed checks say what was checked. Checks that are
residency's own (by id) get the rule's metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from residency.catalog import CATALOG
from residency.checkov.verdicts import BELOW_FAIL_ON, UNPROVEN_MARK
from residency.errors import InputError
from residency.inputs import parse_json
from residency.policy import ResidencyPolicy
from residency.readers.common import DocumentBuilder, ForeignFinding, ForeignRule, residency_rule, resource_object
from residency.readers.shapes import check_shape

RESULT_KEYS = ("failed_checks", "skipped_checks", "passed_checks")


def read_checkov_json(text: str, *, file: str, policy: ResidencyPolicy) -> dict[str, Any]:
    data = parse_json(text, file=file)
    reports = data if isinstance(data, list) else [data]  # one report per framework when several ran
    builder = DocumentBuilder(policy, "checkov")
    checked: dict[str, str] = {}  # resource -> Terraform type
    versions, frameworks = set(), []
    for position, report in enumerate(reports):
        where = f"[{position}]" if isinstance(data, list) else ""
        if not isinstance(report, dict) or not ("results" in report or "resource_count" in report):
            raise InputError(
                "not Checkov JSON output: expected `results` and `summary` (checkov -o json)",
                file=file,
                key=where or None,
            )
        check_shape(report, "checkov-report", file=file, what="Checkov JSON output (checkov -o json)", prefix=where)
        summary = report.get("summary", report)  # with nothing to check, Checkov prints the summary alone
        versions.add(summary.get("checkov_version"))
        if "check_type" in report:
            frameworks.append(report["check_type"])
        results = report.get("results", {})
        for key in RESULT_KEYS:
            for index, record in enumerate(results.get(key) or []):
                _read(record, key, builder, checked, file=file, where=f"{where}.results.{key}[{index}]".lstrip("."))
    notes = [f"checkov {', '.join(sorted(v for v in versions if v))}".strip()]
    if frameworks:
        notes.append(f"frameworks: {', '.join(frameworks)}")
    source = {"kind": "checkov", "path": file, "project": None, "stack": None, "notes": notes}
    return builder.document(source, checked.values(), file=file)


def _read(record: Any, key: str, builder: DocumentBuilder, checked: dict[str, str], *, file: str, where: str) -> None:
    address = record.get("resource_address") or record["resource"]
    terraform_type = _terraform_type(address)
    checked[address] = terraform_type
    rule = ForeignRule(
        record["check_id"],
        record["check_name"],
        severity=_severity(record.get("severity")),
        level="mandatory",
        url=record.get("guideline"),
    )
    name = address.rsplit(".", 1)[-1]
    if key == "passed_checks":
        builder.rule(rule)
        if residency_rule(record["check_id"]) is not None:
            _read_below_fail_on(record, rule, builder, address, name, terraform_type)
        return
    evaluated = [k for k in (record.get("check_result") or {}).get("evaluated_keys") or [] if isinstance(k, str)]
    details = [d for d in record.get("details") or [] if isinstance(d, str)]
    comment = (record.get("check_result") or {}).get("suppress_comment")
    inline_residency_skip = key == "skipped_checks" and residency_rule(record["check_id"]) is not None
    if inline_residency_skip:
        # The scanned code cannot waive its own residency findings: the check did not run, so
        # nothing was shown; only the policy's waivers waive (the builder applies them).
        details = [(
            f"{record['check_id']} was suppressed in the scanned code (checkov:skip: {comment or 'no reason'}), "
            "so it did not run: residency ignores inline suppressions; waive findings in the policy's waivers"
        )]
    builder.add(
        ForeignFinding(
            rule=rule,
            level="mandatory",  # a failed check fails `checkov` unless --soft-fail
            severity=_severity(record.get("severity")),
            resource=resource_object(
                address, name, terraform_type, terraform_type if CATALOG.token(terraform_type) else None
            ),
            message="; ".join(details) or f"fails {record['check_id']}: {record['check_name']}",
            path=evaluated[0] if len(evaluated) == 1 else None,
            location=_location(record),
            evidence=[{"subject": name, "relation": "fails", "value": f"{record['check_id']} ({record['check_name']})"}]
            + [{"subject": record["check_id"], "relation": "evaluated", "value": k} for k in evaluated],
            proven=not inline_residency_skip,
            waiver=None
            if key == "failed_checks" or inline_residency_skip
            else {
                "active": True,
                "reason": comment or "skipped in Checkov",
                "approved_by": None,
                "reference": None,
                "expires": None,
            },
        )
    )


def _read_below_fail_on(
    record: Mapping[str, Any], rule: ForeignRule, builder: DocumentBuilder, address: str, name: str, terraform_type: str
) -> None:
    """A residency check passes with the findings below `residency checkov --fail-on` in its
    details (`advisory: ... (below --fail-on: ...)`): they are findings all the same."""
    for detail in record.get("details") or []:
        if not isinstance(detail, str) or not detail.endswith(BELOW_FAIL_ON):
            continue
        text = detail.removesuffix(BELOW_FAIL_ON).strip().split(": ", 1)[-1]
        builder.add(ForeignFinding(
            rule=rule,
            level="advisory",
            resource=resource_object(address, name, terraform_type, terraform_type if CATALOG.token(terraform_type) else None),
            message=text.removesuffix(UNPROVEN_MARK).strip(),
            location=_location(record),
            evidence=[{"subject": name, "relation": "has below --fail-on", "value": record["check_id"]}],
            proven=not text.endswith(UNPROVEN_MARK),
        ))


def _terraform_type(address: str) -> str:
    """`module.net.oci_core_vcn.main` -> `oci_core_vcn`; a provider (`oci.default`) -> `oci`."""
    parts = address.split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    return parts[0] if len(parts) >= 2 else address


def _severity(value: Any) -> str | None:
    """Checkov gives severities only with a platform key; offline they are null."""
    return value.lower() if isinstance(value, str) and value.lower() in {"low", "medium", "high", "critical"} else None


def _location(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The file relative to where Checkov ran (`repo_file_path`), and the block's first line."""
    file = record.get("repo_file_path") or record.get("file_path")
    if not isinstance(file, str) or not file:
        return None
    lines = record.get("file_line_range")
    line = lines[0] if isinstance(lines, list) and lines and isinstance(lines[0], int) and lines[0] > 0 else None
    return {"file": file.lstrip("/"), "line": line}
