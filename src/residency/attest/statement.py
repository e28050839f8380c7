"""The in-toto Statement v1 of one gate decision: its inputs as subjects, and a predicate that
says which policy decided what, with which findings, waivers and approvals, when and where."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from residency import __version__
from residency.attest.inputs import DecisionInput, approval_files, subject_name
from residency.errors import InputError
from residency.findings import Report

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://residency.dev/attestation/gate-decision/v1"

# CI systems' own variables for the repository, the commit and the run (never the workflow's inputs).
CI_CONTEXTS = {
    "GITHUB_ACTIONS": {
        "system": "github-actions", "server": "GITHUB_SERVER_URL", "repository": "GITHUB_REPOSITORY",
        "commit": "GITHUB_SHA", "ref": "GITHUB_REF", "workflow": "GITHUB_WORKFLOW", "run_id": "GITHUB_RUN_ID",
        "run_attempt": "GITHUB_RUN_ATTEMPT",
    },
    "GITLAB_CI": {
        "system": "gitlab-ci", "server": "CI_SERVER_URL", "repository": "CI_PROJECT_PATH", "commit": "CI_COMMIT_SHA",
        "ref": "CI_COMMIT_REF_NAME", "run_id": "CI_PIPELINE_ID",
    },
}


def canonical_json(value: Any) -> bytes:
    """One byte sequence per value, so that a digest of it can be recomputed anywhere."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(frozen=True)
class Decision:
    """What a command decided, and from what."""

    command: str  # check | checkov
    target: str  # subject-style name of the checked path
    kind: str  # pulumi | terraform | file (a plan, a state, ...)
    stack: str | None
    policy: str  # subject name of the policy file, or inputs.BUILT_IN_POLICY
    fail_on: str
    exit_code: int  # the command's own exit status: 0 passed, 1 failed
    file_format: str | None = None  # `--from`: the format of a file target, when given
    state: str | None = None  # subject name of the deployed state compared with (`--state`)
    # --var-file (subject name) and --var (NAME=VALUE) in command-line order, as {"var_file"|"var": ...}
    variables: tuple[dict[str, str], ...] = ()
    invoke_answers: str | None = None  # subject name of the `--invoke-answers` file


def ci_context(environment: Mapping[str, str] = os.environ) -> dict[str, str] | None:
    for marker, names in CI_CONTEXTS.items():
        if environment.get(marker):
            context = {"system": names["system"]}
            context.update({key: environment[var] for key, var in names.items() if key != "system" and environment.get(var)})
            return context
    return None


def applied_waivers(report: Report) -> list[dict[str, Any]]:
    """Each waiver that matched a finding, with the findings (by fingerprint) it covered."""
    waivers: dict[Any, dict[str, Any]] = {}
    for finding in report.findings:
        if finding.waiver is None:
            continue
        waiver = finding.waiver.waiver
        entry = waivers.setdefault(waiver, {
            "id": waiver.reference, "rule": waiver.rule, "resource": waiver.resource, "reason": waiver.reason,
            "approved_by": waiver.approved_by, "expires": waiver.expires.isoformat(),
            "active": finding.waiver.active, "findings": [],
        })
        entry["findings"].append(finding.fingerprint)
    return list(waivers.values())


def approvals_on_record(policy: Path | None, base: Path) -> list[dict[str, Any]]:
    """The approval files beside the policy, each by its `id` (None when the file has none)."""
    from residency.yamlfile import load_yaml, plain

    records = []
    for path in approval_files(policy):
        try:
            document = plain(load_yaml(path))
        except InputError:  # an unreadable approval is still attested by its digest; its loader reports it
            document = None
        approval_id = document.get("id") if isinstance(document, dict) else None
        records.append({"id": str(approval_id) if approval_id is not None else None, "file": subject_name(path, base)})
    return records


def build_statement(
    decision: Decision,
    subjects: Iterable[DecisionInput],
    report: Report,
    findings: Mapping[str, Any],
    approvals: list[dict[str, Any]],
    *,
    now: datetime.datetime | None = None,
    environment: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    subjects = list(subjects)
    by_name = {s.name: s.sha256 for s in subjects}
    predicate: dict[str, Any] = {
        "tool": {"name": "residency", "version": __version__},
        "command": decision.command,
        "target": {"path": decision.target, "kind": decision.kind, "stack": decision.stack,
                   "format": decision.file_format, "state": decision.state},
        "policy": {"file": decision.policy, "digest": {"sha256": by_name[decision.policy]}},
        "verdict": "pass" if decision.exit_code == 0 else "fail",
        "exit_code": decision.exit_code,
        "fail_on": decision.fail_on,
        "evaluated_on": report.evaluated_at.isoformat(),
        "time": (now or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": dict(findings),
        "findings_digest": {"sha256": digest_of(findings)},
        "waivers": applied_waivers(report),
        "approvals": [{**a, "digest": {"sha256": by_name[a["file"]]}} for a in approvals],
    }
    if decision.variables:
        predicate["target"]["variables"] = list(decision.variables)
    if decision.invoke_answers:
        predicate["target"]["invoke_answers"] = decision.invoke_answers
    context = ci_context(environment)
    if context:
        predicate["ci"] = context
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": s.name, "digest": {"sha256": s.sha256}} for s in subjects],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }

