"""`residency checkov`: Checkov, with the residency checks, on Terraform or on a Pulumi program.

Checkov runs from its own environment (its pins conflict with pulumi's), as a separate process.
A Pulumi program is first exported as a plan (`residency export`) into a temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

import residency
from residency.checkov.verdicts import INPUTS_ENVIRONMENT, POLICY_ENVIRONMENT, check_id, inputs_to_environment
from residency.cli.common import fail
from residency.cli.terraform_inputs import TerraformInputsCommand, assignments, terraform_input_options
from residency.enforcement import Level
from residency.errors import InputError
from residency.rules import RULES

CHECKOV_ENVIRONMENT = "RESIDENCY_CHECKOV"
CHECKS = Path("policies") / "checkov"
CHECKOV_IN_VENV = Path(".venv-checkov") / "bin" / "checkov"
OUTPUTS = ["cli", "json", "sarif", "junitxml"]


@click.command(cls=TerraformInputsCommand)
@click.argument("target", type=click.Path(path_type=Path), default=".")
@click.option("--stack", "-s", help="For a Pulumi program: the stack whose Pulumi.<stack>.yaml config to use.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path),
              help="Residency policy (default: policies/residency.yaml here, else the built-in one).")
@click.option("--output", "-o", "outputs", type=click.Choice(OUTPUTS), multiple=True,
              help="Checkov's output formats (repeatable); default cli.")
@click.option("--output-file-path", type=click.Path(path_type=Path), help="Checkov writes its reports into this directory.")
@click.option("--fail-on", type=click.Choice(["mandatory", "advisory"]), default="mandatory", show_default=True,
              help="The lowest residency level whose failed checks fail the run (lower ones soft-fail).")
@click.option("--checkov", "checkov_path", type=click.Path(path_type=Path), envvar=CHECKOV_ENVIRONMENT,
              help=f"The checkov executable (default: {CHECKOV_IN_VENV} of this project, else checkov on PATH).")
@terraform_input_options
@click.argument("checkov_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def checkov(ctx: click.Context, target: Path, stack: str | None, policy_file: Path | None, outputs: tuple[str, ...],
            output_file_path: Path | None, fail_on: str, checkov_path: Path | None, var_files: tuple[Path, ...],
            variables: tuple[str, ...], checkov_args: tuple[str, ...]) -> None:
    """Scan TARGET with Checkov, its own checks and the residency checks (CKV_RES_*).

    TARGET is a directory of Terraform files, a Terraform plan (`terraform show -json`), or a
    Pulumi program's directory, which is run offline and exported as a plan first. Arguments
    after `--` go to checkov unchanged.

    Exit status: checkov's (0 passed, 1 failed checks), 2 bad input or usage."""
    from residency.policy import load_policy

    if str(target).startswith("-"):  # TARGET left out: Click gave it the first argument after `--`
        target, checkov_args = Path("."), (str(target), *checkov_args)
    try:
        policy = load_policy(policy_file)
        executable = find_checkov(checkov_path)
        checks = find_checks()
        with tempfile.TemporaryDirectory(prefix="residency-checkov-") as scratch:
            scan = _scan_arguments(target, stack, Path(scratch))
            command = [str(executable), *scan, "--external-checks-dir", str(checks), "--skip-download"]
            command += [argument for output in outputs for argument in ("--output", output)]
            if output_file_path is not None:
                command += ["--output-file-path", str(output_file_path)]
            command += [a for rule_id in _soft_failing(policy, Level(fail_on)) for a in ("--soft-fail-on", rule_id)]
            environment = dict(os.environ)
            if policy_file is not None:
                environment[POLICY_ENVIRONMENT] = str(policy_file.resolve())
            environment.pop(INPUTS_ENVIRONMENT, None)
            if assignments(ctx):
                environment[INPUTS_ENVIRONMENT] = inputs_to_environment(assignments(ctx))
            returncode = subprocess.run([*command, *checkov_args], env=environment, check=False).returncode
    except InputError as error:
        fail(error)
    sys.exit(returncode)


def _scan_arguments(target: Path, stack: str | None, scratch: Path) -> list[str]:
    if target.is_file():
        from residency.sources.terraform_plan import read_plan

        read_plan(target)  # a clear error now, rather than Checkov skipping the file silently
        return ["--file", str(target), "--framework", "terraform_plan"]
    if not target.is_dir():
        raise InputError("not found: expected a directory of .tf files, a plan (JSON) or a Pulumi program", file=str(target))
    if (target / "Pulumi.yaml").is_file() or (target / "Pulumi.yml").is_file():
        from residency.cli.export import export_program

        document = export_program(target, stack)
        plan = scratch / f"{target.resolve().name}.tfplan.json"
        plan.write_text(json.dumps(document, indent=1), encoding="utf-8")
        return ["--directory", str(scratch), "--framework", "terraform_plan"]
    if any(target.glob("*.tf")) or any(target.glob("*.tf.json")):
        return ["--directory", str(target), "--framework", "terraform"]
    raise InputError("expected a directory of .tf files, a plan (JSON) or a Pulumi program (Pulumi.yaml)", file=str(target))


def _soft_failing(policy, threshold: Level) -> list[str]:
    """The checks of rules whose findings are all below the threshold: they report, not fail."""
    soft = []
    for rule in RULES:
        setting = policy.setting(rule.meta.id, rule.meta.default_level)
        if not any(level.fails(threshold) for level in (setting.level, setting.unproven_level)):
            soft.append(check_id(rule.meta.id))
    return soft


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

