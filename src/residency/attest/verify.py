"""Checking an attested gate decision: its signature, its own consistency, and, against a
checkout, its inputs and its verdict, by evaluating the checkout again with the attested policy.

Each problem is one line naming what differs (a file, the verdict, a finding, the signature)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residency.attest.envelope import MalformedAttestation, open_envelope
from residency.attest.inputs import BUILT_IN_POLICY, built_in_policy_digest, decision_inputs, sha256_file
from residency.attest.statement import digest_of
from residency.errors import InputError
from residency.inputs import parse_json, read_text
from residency.render.document import validate_document
from residency.sources.terraform_variables import Assignment

# (target path, the attested target (kind, stack, format), deployed state or None, policy file or None for
# the built-in one, evaluation date, fail-on, command-line inputs) -> findings document
Reevaluate = Callable[[Path, Mapping[str, Any], Path | None, Path | None, datetime.date, str, "CommandLineInputs"],
                      Mapping[str, Any]]


@dataclass(frozen=True)
class CommandLineInputs:
    """What the decision was given on the command line, found in the checkout: --var-file and --var
    in their order, and the --invoke-answers file."""

    variables: tuple[Assignment, ...] = ()
    invoke_answers: Path | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        return (*(a.file for a in self.variables if a.file is not None),
                *([self.invoke_answers] if self.invoke_answers else []))


def command_line_inputs(target: Mapping[str, Any], source: Path) -> CommandLineInputs:
    variables = []
    for given in target.get("variables") or ():
        if not isinstance(given, dict) or not isinstance(given.get("var_file", given.get("var")), str):
            raise InputError(f"an attested variable is {given!r}, not {{var_file: NAME}} or {{var: NAME=VALUE}}")
        variables.append(Assignment(file=source / given["var_file"]) if "var_file" in given else Assignment(text=given["var"]))
    answers = target.get("invoke_answers")
    return CommandLineInputs(tuple(variables), source / answers if isinstance(answers, str) else None)


@dataclass
class Verification:
    statement: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def predicate(self) -> dict[str, Any]:
        return self.statement["predicate"]


def read_envelope(path: Path) -> Any:
    return parse_json(read_text(path, str(path)), file=str(path))


def open_attestation(path: Path, key: Any) -> dict[str, Any]:
    """The statement, once its signature holds (SignatureMismatch otherwise); a file that is no
    attestation is an InputError."""
    try:
        statement = open_envelope(read_envelope(path), key)
        _check_shape(statement["predicate"])
    except MalformedAttestation as error:
        raise InputError(str(error), file=str(path)) from None
    validate_document(statement["predicate"]["findings"], file=f"{path} (predicate.findings)")
    return statement


def _check_shape(predicate: Any) -> None:
    required = {"command": str, "target": dict, "policy": dict, "verdict": str, "fail_on": str,
                "evaluated_on": str, "findings": dict, "findings_digest": dict}
    for key, expected in required.items():
        if not isinstance(predicate, dict) or not isinstance(predicate.get(key), expected):
            raise MalformedAttestation(f"the predicate has no {key} ({expected.__name__})")
    try:
        datetime.date.fromisoformat(predicate["evaluated_on"])
    except ValueError:
        raise MalformedAttestation(f"evaluated_on is {predicate['evaluated_on']!r}, not a date") from None


def check_consistency(verification: Verification) -> None:
    """What a signer could get wrong or change on its own: the findings' digest, the verdict
    against the findings, the policy digest against the subjects."""
    predicate, problems = verification.predicate, verification.problems
    findings = predicate["findings"]
    if digest_of(findings) != predicate["findings_digest"].get("sha256"):
        problems.append("findings: the attested findings document does not match its attested digest")
    passed = findings.get("summary", {}).get("passed")
    if predicate["command"] == "check" and (predicate["verdict"] == "pass") != passed:
        problems.append(f"verdict: attested {predicate['verdict']}, but the attested findings "
                        f"{'pass' if passed else 'fail'} the gate")
    if predicate["command"] == "checkov" and predicate["verdict"] == "pass" and passed is False:
        problems.append("verdict: attested pass, but the attested residency findings fail the gate")
    subjects = {s.get("name"): s.get("digest", {}).get("sha256") for s in verification.statement["subject"]}
    policy = predicate["policy"]
    if subjects.get(policy.get("file")) != policy.get("digest", {}).get("sha256"):
        problems.append(f"policy: the digest of {policy.get('file')} differs from its subject's")


def check_inputs(verification: Verification, source: Path) -> None:
    """Each attested file has its attested digest in `source`, and no input there is unattested."""
    problems = verification.problems
    attested = {s["name"]: s["digest"].get("sha256") for s in verification.statement["subject"]}
    for name, expected in attested.items():
        found = built_in_policy_digest() if name == BUILT_IN_POLICY else _digest(source / name)
        if found is None:
            problems.append(f"file {name}: attested, but not in {source}")
        elif found != expected:
            problems.append(f"file {name}: changed since the decision (sha256 {found[:12]}..., attested {expected[:12]}...)")
    target = verification.predicate["target"]
    try:
        current = decision_inputs(source / target["path"], target["kind"], target.get("stack"),
                                  _policy_path(verification, source), source, _state_path(target, source),
                                  command_line_inputs(target, source).files)
    except InputError:
        return  # the re-evaluation reports why the checkout cannot be read
    for subject in current:
        if subject.name not in attested:
            problems.append(f"file {subject.name}: an input of the decision now, but not attested")


def _digest(path: Path) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


def _state_path(target: Mapping[str, Any], source: Path) -> Path | None:
    return source / target["state"] if target.get("state") else None


def _policy_path(verification: Verification, source: Path) -> Path | None:
    name = verification.predicate["policy"]["file"]
    return None if name == BUILT_IN_POLICY else source / name


def check_verdict(verification: Verification, source: Path, reevaluate: Reevaluate) -> None:
    """Evaluate the checkout again, on the attested date and with the attested policy: the verdict
    and the failing findings must be the attested ones."""
    predicate, problems = verification.predicate, verification.problems
    target = predicate["target"]
    document = reevaluate(
        source / target["path"], target, _state_path(target, source), _policy_path(verification, source),
        datetime.date.fromisoformat(predicate["evaluated_on"]), predicate["fail_on"],
        command_line_inputs(target, source),
    )
    attested = predicate["findings"]
    was, now = attested.get("summary", {}).get("passed"), document["summary"]["passed"]
    if was != now:
        problems.append(f"verdict: attested {_verdict(was)}, the checkout evaluates to {_verdict(now)}")
    before, after = _failing(attested), _failing(document)
    for key in sorted(before.keys() - after.keys()):
        problems.append(f"finding {_describe(before[key])}: attested as failing, not found on re-evaluation")
    for key in sorted(after.keys() - before.keys()):
        problems.append(f"finding {_describe(after[key])}: fails on re-evaluation, not attested")


def _verdict(passed: Any) -> str:
    return "pass" if passed else "fail"


def _failing(document: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The findings that fail the gate, by fingerprint and message."""
    fail_on = document["summary"]["fail_on"]
    failing_levels = {"mandatory"} if fail_on == "mandatory" else {"mandatory", "advisory"}
    return {
        (f["fingerprint"], f["message"]): f for f in document.get("findings", [])
        if f["level"] in failing_levels and not (f.get("waiver") and f["waiver"].get("active"))
    }


def _describe(finding: Mapping[str, Any]) -> str:
    where = f" ({finding['path']})" if finding.get("path") else ""
    return f"{finding['rule_id']} on {finding['resource']['name']}{where}: {finding['message']}"
