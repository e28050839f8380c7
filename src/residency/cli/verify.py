"""`residency verify`: check an attested gate decision (and an evidence log) offline, with only
the public key and a checkout."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from residency.cli.common import fail, stdout_console
from residency.errors import EXIT_FINDINGS, EXIT_OK, InputError

if TYPE_CHECKING:
    from residency.attest.verify import CommandLineInputs


@click.command()
@click.argument("attestation", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False),
              help="The Ed25519 public key (PEM) of the signer. Required for an attestation.")
@click.option("--source", type=click.Path(path_type=Path, file_okay=False),
              help="A checkout of the attested commit: its files must have the attested digests, and evaluating "
                   "it again with the attested policy must give the attested verdict and failing findings.")
@click.option("--log", "log_file", type=click.Path(path_type=Path, dir_okay=False),
              help="An evidence log (--evidence-log) to check for removed, reordered or altered entries; with "
                   "--key, each entry's signature too.")
def verify(attestation: Path | None, key_file: Path | None, source: Path | None, log_file: Path | None) -> None:
    """Verify ATTESTATION (a DSSE envelope from --attest) and/or an evidence log.

    Exit status: 0 verified, 1 a mismatch (each named: a file, the verdict, a finding, the
    signature, a log entry), 2 bad input or usage."""
    if attestation is None and log_file is None:
        raise click.UsageError("give an ATTESTATION file, --log FILE, or both")
    if attestation is not None and key_file is None:
        raise click.UsageError("verifying an attestation needs the signer's public key: --key PUB")
    if source is not None and attestation is None:
        raise click.UsageError("--source goes with an ATTESTATION")
    console = stdout_console()
    problems: list[str] = []
    try:
        key = _public_key(key_file)
        if attestation is not None:
            problems += _verify_attestation(attestation, key, source, console)
        if log_file is not None:
            from residency.attest.evidence_log import check_log

            log_problems = check_log(log_file, key)
            if not log_problems:
                console.print(f"evidence log {log_file}: every entry in place"
                              + (", each signed by the given key" if key is not None else ""),
                              markup=False, highlight=False, soft_wrap=True)
            problems += [f"evidence log {log_file}: {p}" for p in log_problems]
    except InputError as error:
        fail(error)
    for problem in problems:
        console.print(f"mismatch: {problem}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)


def _public_key(key_file: Path | None):
    if key_file is None:
        return None
    from residency.attest.keys import load_public_key

    return load_public_key(key_file)


def _verify_attestation(attestation: Path, key, source: Path | None, console) -> list[str]:
    from residency.attest.envelope import SignatureMismatch
    from residency.attest.verify import Verification, check_consistency, check_inputs, check_verdict, open_attestation

    try:
        statement = open_attestation(attestation, key)
    except SignatureMismatch as error:
        return [f"signature of {attestation}: {error}"]
    verification = Verification(statement)
    check_consistency(verification)
    predicate = verification.predicate
    target = predicate["target"]
    console.print(
        f"{attestation}: signature verified; {predicate['command']} of {target['path']}"
        f"{' (stack ' + target['stack'] + ')' if target.get('stack') else ''} with {predicate['policy']['file']}: "
        f"{predicate['verdict']} (fail on {predicate['fail_on']}), {predicate['time']}",
        markup=False, highlight=False, soft_wrap=True,
    )
    if source is not None:
        check_inputs(verification, source)
        check_verdict(verification, source, _reevaluate)
        if not verification.problems:
            console.print(f"{source}: inputs, verdict and failing findings as attested",
                          markup=False, highlight=False, soft_wrap=True)
    return verification.problems


def _reevaluate(target: Path, attested: Mapping[str, Any], state_file: Path | None, policy_file: Path | None,
                today: datetime.date, fail_on: str, given: CommandLineInputs) -> Mapping[str, Any]:
    """The decision again, as `residency check` makes it, with the inputs it was given."""
    from importlib import resources

    from residency.cli.check import add_deployed_state, load_inventory
    from residency.cli.program_options import use_invoke_answers
    from residency.enforcement import Level
    from residency.engine import evaluate
    from residency.policy import load_policy

    if policy_file is None:
        with resources.as_file(resources.files("residency.policy").joinpath("default.yaml")) as built_in:
            policy = load_policy(built_in)
    else:
        policy = load_policy(policy_file)
    if not target.exists():
        raise InputError("the attested target is not in the checkout", file=str(target))
    use_invoke_answers(given.invoke_answers)
    inventory = load_inventory(target, attested["kind"], attested.get("stack"), attested.get("format"), given.variables)
    if state_file is not None:
        add_deployed_state(inventory, state_file)
    return evaluate(inventory, policy, today=today).to_document(Level(fail_on))
