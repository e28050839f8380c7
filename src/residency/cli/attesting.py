"""`--attest FILE --signing-key KEY [--evidence-log FILE]`, shared by `residency check` and
`residency checkov`: a signed in-toto attestation of the decision, and a line in a hash-chained log."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from residency.errors import InputError
from residency.findings import Report


@dataclass(frozen=True)
class AttestRequest:
    attestation: Path
    signing_key: Path
    evidence_log: Path | None

    def signer(self):
        from residency.attest.keys import load_signer

        return load_signer(self.signing_key)


def attest_options(command: Callable) -> Callable:
    """Adds the options, and hands the command `attest`: an AttestRequest, or None."""

    @click.option("--attest", "attestation", type=click.Path(path_type=Path, dir_okay=False),
                  help="Write a signed in-toto attestation (DSSE) of this decision to FILE.")
    @click.option("--signing-key", type=click.Path(path_type=Path, dir_okay=False),
                  help="The Ed25519 private key (PEM) that signs the attestation and the evidence log entry.")
    @click.option("--evidence-log", type=click.Path(path_type=Path, dir_okay=False),
                  help="Append this decision to a hash-chained log (one JSON line per decision); needs --attest.")
    @functools.wraps(command)
    def wrapper(*args: Any, attestation: Path | None, signing_key: Path | None, evidence_log: Path | None, **kwargs: Any):
        if (attestation is None) != (signing_key is None):
            raise click.UsageError("--attest and --signing-key go together")
        if evidence_log is not None and attestation is None:
            raise click.UsageError("--evidence-log needs --attest and --signing-key")
        request = AttestRequest(attestation, signing_key, evidence_log) if attestation is not None else None
        return command(*args, attest=request, **kwargs)

    return wrapper


def refuse_to_overwrite_inputs(
    request: AttestRequest | None, inputs: Iterable[Path], target: Path, kind: str, stack: str | None
) -> None:
    """The attestation and the log never replace an input of the decision (the files the source
    reads, the policy), the key, or each other."""
    if request is None:
        return
    from residency.attest.inputs import SOURCE_INPUTS

    try:
        source_files = SOURCE_INPUTS[kind](target, stack)
    except InputError:
        source_files = []  # the run itself reports what is wrong with the target
    protected = {p.resolve() for p in [*inputs, *source_files, request.signing_key]}
    outputs = [("attestation", request.attestation), ("evidence log", request.evidence_log)]
    for name, path in outputs:
        if path is not None and path.resolve() in protected:
            raise click.UsageError(f"the {name} would overwrite an input: {path}")
    if request.evidence_log is not None and request.evidence_log.resolve() == request.attestation.resolve():
        raise click.UsageError("--attest and --evidence-log name the same file")


def attest_decision(
    request: AttestRequest, *, command: str, target: Path, kind: str, stack: str | None, policy_file: Path | None,
    fail_on: str, exit_code: int, report: Report, findings: Mapping[str, Any], signer,
    file_format: str | None = None, state_file: Path | None = None, variables: tuple = (),
    invoke_answers: Path | None = None,
) -> dict[str, Any]:
    """Sign and write the attestation (and the log entry); what the reports show of it.
    `policy_file` is the policy the run read, None for the built-in one; `variables` the --var-file
    and --var assignments and `invoke_answers` the --invoke-answers file, recorded so that
    `residency verify` evaluates the decision again with the same inputs."""
    from residency.attest.envelope import sign_statement
    from residency.attest.evidence_log import append_entry
    from residency.attest.inputs import BUILT_IN_POLICY, decision_inputs, subject_name
    from residency.attest.statement import Decision, approvals_on_record, build_statement

    base = Path.cwd()
    given = (*(a.file for a in variables if a.file is not None), *([invoke_answers] if invoke_answers else []))
    subjects = decision_inputs(target, kind, stack, policy_file, base, state_file, given)
    decision = Decision(
        command=command, target=subject_name(target, base), kind=kind, stack=stack,
        policy=subject_name(policy_file, base) if policy_file else BUILT_IN_POLICY, fail_on=fail_on,
        exit_code=exit_code, file_format=file_format, state=subject_name(state_file, base) if state_file else None,
        variables=tuple({"var_file": subject_name(a.file, base)} if a.file is not None else {"var": a.text}
                        for a in variables),
        invoke_answers=subject_name(invoke_answers, base) if invoke_answers else None,
    )
    statement = build_statement(decision, subjects, report, findings, approvals_on_record(policy_file, base))
    envelope = json.dumps(sign_statement(statement, signer), indent=2).encode() + b"\n"
    try:
        request.attestation.parent.mkdir(parents=True, exist_ok=True)
        request.attestation.write_bytes(envelope)
    except OSError as error:
        raise InputError(f"cannot write the attestation: {error.strerror or error}", file=str(request.attestation)) from None
    digest = hashlib.sha256(envelope).hexdigest()
    predicate = statement["predicate"]
    if request.evidence_log is not None:
        append_entry(request.evidence_log, {
            "time": predicate["time"], "command": command, "target": predicate["target"],
            "policy": predicate["policy"], "verdict": predicate["verdict"], "fail_on": fail_on,
            "attestation": {"file": request.attestation.name, "sha256": digest},
            **({"ci": predicate["ci"]} if "ci" in predicate else {}),
        }, signer)
    return {
        "file": request.attestation.name,
        "sha256": digest,
        "predicate_type": statement["predicateType"],
        "verify": f"residency verify {request.attestation.name} --key PUBLIC_KEY.pem --source CHECKOUT",
    }
