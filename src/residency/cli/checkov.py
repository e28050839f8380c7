"""`residency checkov`: Checkov, with the residency checks, on Terraform or on a Pulumi program.

Checkov runs from its own environment (its pins conflict with pulumi's), as a separate process.
A Pulumi program is first exported as a plan (`residency export`) into a temporary directory.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

import residency
from residency.checkov.verdicts import (
    FAIL_ON_ENVIRONMENT,
    INPUTS_ENVIRONMENT,
    POLICY_ENVIRONMENT,
    check_id,
    inputs_to_environment,
)
from residency.cli.attesting import (
    AttestRequest,
    attest_decision,
    attest_options,
    refuse_to_overwrite_inputs,
)
from residency.cli.common import POLICY_HELP, choose_policy, fail, policy_line, stderr_console
from residency.cli.program_options import program_input_files, program_options
from residency.cli.terraform_inputs import TerraformInputsCommand, assignments, terraform_input_options
from residency.enforcement import Level
from residency.errors import InputError
from residency.policy import ResidencyPolicy
from residency.rules import RULES

if TYPE_CHECKING:
    from residency.inventory import Inventory

CHECKOV_ENVIRONMENT = "RESIDENCY_CHECKOV"
CHECKS = Path("policies") / "checkov"
CHECKOV_IN_VENV = Path(".venv-checkov") / "bin" / "checkov"
OUTPUTS = ["cli", "json", "sarif", "junitxml"]
CHECKOV_TIMEOUT = 3600.0


def run_bounded(command: list[str], environment: dict[str, str], timeout: float) -> int:
    """Checkov's exit status; past `timeout` seconds, Checkov and every process it started are
    stopped and the scan is bad input (exit 2), never a hang."""
    process = subprocess.Popen(command, env=environment, start_new_session=True)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise InputError(f"checkov ran for more than {timeout:g} s and was stopped (--checkov-timeout)") from None


@click.command(cls=TerraformInputsCommand)
@click.argument("target", type=click.Path(path_type=Path), default=".")
@click.option("--stack", "-s", help="For a Pulumi program: the stack whose Pulumi.<stack>.yaml config to use.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), help=POLICY_HELP)
@click.option("--output", "-o", "outputs", type=click.Choice(OUTPUTS), multiple=True,
              help="Checkov's output formats (repeatable); default cli.")
@click.option("--output-file-path", type=click.Path(path_type=Path), help="Checkov writes its reports into this directory.")
@click.option("--fail-on", type=click.Choice(["mandatory", "advisory"]), default="mandatory", show_default=True,
              help="The lowest residency level whose findings fail a check (lower ones pass, with the finding in the details).")
@click.option("--checkov", "checkov_path", type=click.Path(path_type=Path), envvar=CHECKOV_ENVIRONMENT,
              help=f"The checkov executable (default: {CHECKOV_IN_VENV} of this project, else checkov on PATH).")
@click.option("--checkov-timeout", type=click.FloatRange(min=1), default=CHECKOV_TIMEOUT, show_default=True,
              help="Seconds Checkov may run before it is stopped (exit 2): its HCL parser can backtrack without end "
                   "on a few bytes of input.")
@attest_options
@program_options
@terraform_input_options
@click.argument("checkov_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def checkov(ctx: click.Context, target: Path, stack: str | None, policy_file: Path | None, outputs: tuple[str, ...],
            output_file_path: Path | None, fail_on: str, checkov_path: Path | None, checkov_timeout: float,
            checkov_args: tuple[str, ...], attest: AttestRequest | None, var_files: tuple[Path, ...],
            variables: tuple[str, ...]) -> None:
    """Scan TARGET with Checkov, its own checks and the residency checks (CKV_RES_*).

    TARGET is a directory of Terraform files, a Terraform plan (`terraform show -json`), or a
    Pulumi program's directory, which is run offline and exported as a plan first. Arguments
    after `--` go to checkov unchanged.

    Exit status: checkov's (0 passed, 1 failed checks), 2 bad input or usage, 3 an internal error."""
    if str(target).startswith("-"):  # TARGET left out: Click gave it the first argument after `--`
        target, checkov_args = Path("."), (str(target), *checkov_args)
    try:
        policy = choose_policy(target, policy_file)
    except InputError as error:
        fail(error)
    if attest is not None:
        from residency.cli.check import pick_stack, source_kind

        kind = source_kind(target)
        stack = pick_stack(target, stack) if kind == "pulumi" else None
        inputs = [target, *([] if policy.is_builtin else [Path(policy.source)]), *program_input_files(),
                  *(a.file for a in assignments(ctx) if a.file is not None)]
        refuse_to_overwrite_inputs(attest, inputs, target, kind, stack)
    try:
        signer = attest.signer() if attest is not None else None
        stderr_console().print(f"residency policy: {policy_line(policy)}", markup=False, highlight=False, soft_wrap=True)
        executable = find_checkov(checkov_path)
        checks = find_checks()
        with tempfile.TemporaryDirectory(prefix="residency-checkov-") as scratch:
            scan, exported = scan_arguments(target, stack, Path(scratch))
            if attest is None:
                exported = None  # not kept in memory while Checkov runs
            refuse_configuration_that_waives(checkov_configurations(scan))
            command = checkov_command(executable, checks, scan, outputs, output_file_path, checkov_args)
            environment = {**os.environ, **checks_environment(policy, Level(fail_on))}
            environment.pop(INPUTS_ENVIRONMENT, None)
            if assignments(ctx):
                environment[INPUTS_ENVIRONMENT] = inputs_to_environment(assignments(ctx))
            returncode = run_bounded(command, environment, checkov_timeout)
        if attest is not None and returncode in (0, 1):
            _attest(attest, signer, target, stack, policy, Level(fail_on), returncode, assignments(ctx), exported)
    except InputError as error:
        fail(error)
    sys.exit(returncode)


def _attest(attest: AttestRequest, signer, target: Path, stack: str | None, policy: ResidencyPolicy,
            threshold: Level, returncode: int, variables: tuple, exported: Inventory | None) -> None:
    """Checkov's verdict, attested with the residency findings its CKV_RES checks are made of
    (the engine's, on the same inputs): what `residency verify` can evaluate again. A Pulumi
    program's are judged on the inventory that was exported, not on a second run of the program."""
    from residency.cli.check import load_inventory, source_kind
    from residency.engine import evaluate

    kind = source_kind(target)
    inventory = exported if exported is not None else load_inventory(target, kind, stack, terraform_inputs=variables)
    report = evaluate(inventory, policy)
    attest_decision(
        attest, command="checkov", target=target, kind=kind, stack=stack,
        policy_file=None if policy.is_builtin else Path(policy.source),
        fail_on=threshold.value, exit_code=returncode, report=report, findings=report.to_document(threshold), signer=signer,
        variables=variables, invoke_answers=next(iter(program_input_files()), None),
    )


def checkov_command(executable: Path, checks: Path, scan: list[str], outputs: tuple[str, ...],
                    output_file_path: Path | None, checkov_args: tuple[str, ...]) -> list[str]:
    command = [str(executable), *scan, "--external-checks-dir", str(checks), "--skip-download"]
    command += [argument for output in outputs for argument in ("--output", output)]
    if output_file_path is not None:
        command += ["--output-file-path", str(output_file_path)]
    return [*command, *checkov_args]


def checks_environment(policy: ResidencyPolicy, fail_on: Level) -> dict[str, str]:
    """What the checks are told: exactly the policy chosen here (its absolute path, or `builtin`),
    wherever Checkov runs them from, and the level whose findings fail a check."""
    from residency.policy import BUILTIN

    return {
        POLICY_ENVIRONMENT: BUILTIN if policy.is_builtin else str(Path(policy.source).resolve()),
        FAIL_ON_ENVIRONMENT: fail_on.value,
    }


def checkov_configurations(scan: list[str]) -> list[Path]:
    """The `.checkov.yaml` files Checkov reads by itself: in the scanned directory and in the
    working directory - both usually the code under review."""
    directories = [Path(scan[i + 1]) for i, argument in enumerate(scan[:-1]) if argument == "--directory"]
    return [directory / name for directory in (*directories, Path.cwd()) for name in (".checkov.yaml", ".checkov.yml")]


def refuse_configuration_that_waives(paths: list[Path]) -> None:
    """Only the policy waives a residency finding: a Checkov configuration in the scanned code that
    would skip the residency checks, run only others, or soft-fail them is refused (exit 2)."""
    from residency.yamlfile import load_yaml, plain

    residency_ids = [check_id(rule.meta.id) for rule in RULES]
    for path in paths:
        if not path.is_file():
            continue
        settings = plain(load_yaml(path))
        if not isinstance(settings, dict):
            continue
        waiving = [key for key in ("skip-check", "soft-fail-on") if _covers_residency(settings.get(key), residency_ids)]
        if settings.get("soft-fail") not in (None, False, "false", "False"):
            waiving.append("soft-fail")
        only = settings.get("check")
        if only is not None and not all(_covers_residency(only, [i]) for i in residency_ids):
            waiving.append("check")
        if waiving:
            raise InputError(
                f"this Checkov configuration would skip or soft-fail the residency checks ({', '.join(waiving)}): "
                "only the residency policy's waivers waive a residency finding; take CKV_RES_* out of it",
                file=str(path),
            )


def _covers_residency(value: object, residency_ids: list[str]) -> bool:
    """Whether a Checkov list option (a list, or text separated by commas) names one of the ids,
    itself or by a wildcard (`CKV_RES*`, `CKV_*`)."""
    items = value if isinstance(value, list) else str(value).split(",") if value is not None else []
    patterns = [str(item).strip() for item in items if str(item).strip()]
    return any(fnmatch.fnmatchcase(identifier, pattern) for identifier in residency_ids for pattern in patterns)


def scan_arguments(target: Path, stack: str | None, scratch: Path) -> tuple[list[str], Inventory | None]:
    """What Checkov is told to scan; for a Pulumi program, also the inventory that was exported."""
    if target.is_file():
        from residency.sources.terraform_plan import read_plan

        read_plan(target)  # a clear error now, rather than Checkov skipping the file silently
        return ["--file", str(target), "--framework", "terraform_plan"], None
    if not target.is_dir():
        raise InputError("not found: expected a directory of .tf files, a plan (JSON) or a Pulumi program", file=str(target))
    if (target / "Pulumi.yaml").is_file() or (target / "Pulumi.yml").is_file():
        from residency.cli.export import run_and_export

        inventory, document = run_and_export(target, stack)
        plan = scratch / f"{target.resolve().name}.tfplan.json"
        plan.write_text(json.dumps(document, indent=1), encoding="utf-8")
        return ["--directory", str(scratch), "--framework", "terraform_plan"], inventory
    if any(target.glob("*.tf")):
        return ["--directory", str(target), "--framework", "terraform"], None
    if any(target.glob("*.tf.json")):  # Checkov would pass it having checked nothing
        raise InputError("Checkov does not read Terraform's JSON syntax (*.tf.json): check this directory with "
                         "`residency check`", file=str(target))
    raise InputError("expected a directory of .tf files, a plan (JSON) or a Pulumi program (Pulumi.yaml)", file=str(target))


def find_checkov(given: Path | None) -> Path:
    candidates = [given] if given else [Path.cwd() / CHECKOV_IN_VENV, _project_root() / CHECKOV_IN_VENV]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = None if given else shutil.which("checkov")
    if on_path:
        return Path(on_path)
    raise InputError(
        f"checkov not found{f' at {given}' if given else ''}: run `make setup-checkov`, which creates {CHECKOV_IN_VENV}, "
        f"or pass --checkov",
    )


def find_checks() -> Path:
    for base in (Path.cwd(), _project_root()):
        if (base / CHECKS / "__init__.py").is_file():
            return (base / CHECKS).resolve()
    raise InputError(f"the residency checks are not here: expected {CHECKS} in this directory or in the residency project")


def _project_root() -> Path:
    """The checkout residency is installed from (an editable install), where policies/ lives."""
    return Path(residency.__file__).resolve().parents[2]

