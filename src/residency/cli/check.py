"""`residency check`: read a Pulumi program (run offline), a Terraform directory or a Terraform plan,
and check it against the residency policy."""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path

import click

from residency.cli.attesting import (
    AttestRequest,
    attest_decision,
    attest_options,
    refuse_to_overwrite_inputs,
)
from residency.cli.common import POLICY_HELP, choose_policy, echo_json, fail, stderr_console, stdout_console
from residency.cli.outputs import (
    ReportTarget,
    baseline_option,
    refuse_to_overwrite,
    report_option,
    with_baseline,
    write_reports,
)
from residency.cli.program_options import program_input_files, program_options, program_run_settings
from residency.cli.terraform_inputs import TerraformInputsCommand, assignments, terraform_input_options
from residency.enforcement import Level
from residency.errors import EXIT_FINDINGS, EXIT_OK, InputError
from residency.inputs import collector_paused
from residency.inventory import Inventory
from residency.sources.files import FORMATS as FILE_FORMATS


def pick_stack(directory: Path, stack: str | None) -> str:
    if stack:
        return stack
    from residency.sources.pulumi_project import stack_files_directory

    stacks = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stack_files_directory(directory).glob("Pulumi.*.yaml"))
    if len(stacks) == 1:
        return stacks[0]
    listed = ", ".join(stacks) if stacks else "none"
    raise click.UsageError(f"choose a stack with --stack (stacks with config here: {listed})")


@click.command(cls=TerraformInputsCommand)
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--stack", "-s", help="The stack whose Pulumi.<stack>.yaml config to use.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), help=POLICY_HELP)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["mandatory", "advisory"]), default="mandatory", show_default=True,
              help="The lowest level that fails the check.")
@click.option("--from", "file_format", type=click.Choice(list(FILE_FORMATS)),
              help="What the file DIRECTORY names is (default: told from its content).")
@click.option("--state", "state_file", type=click.Path(path_type=Path),
              help="A deployed state of the same stack (any --from format): also report drift from it (RES006).")
@report_option
@baseline_option
@attest_options
@program_options
@terraform_input_options
@click.pass_context
def check(
    ctx: click.Context, directory: Path, stack: str | None, policy_file: Path | None, output_format: str, fail_on: str,
    file_format: str | None, state_file: Path | None, reports: tuple[ReportTarget, ...], attest: AttestRequest | None,
    baseline_file: Path | None,
    var_files: tuple[Path, ...], variables: tuple[str, ...],
) -> None:
    """Run the Pulumi program in DIRECTORY offline and check it against the residency policy.

    DIRECTORY may also be a directory of Terraform files, or a file: a Terraform plan or state
    (`terraform show -json`, terraform.tfstate), a Pulumi stack export or checkpoint, `pulumi
    preview --json` or a Pulumi event log (`--event-log`). For Terraform files, --var-file and
    --var give the variables as `terraform plan` takes them.

    Exit status: 0 no failing findings, 1 failing findings, 2 bad input or usage, 3 an internal error."""
    from residency.engine import evaluate, workers_for

    threshold = Level(fail_on)
    if not directory.exists():
        fail(InputError("not found: expected a Pulumi program, a directory of .tf files or a plan (JSON)", file=str(directory)))
    try:
        policy = choose_policy(directory, policy_file)
    except InputError as error:
        fail(error)
    kind = source_kind(directory)
    if file_format is not None and kind != "file":
        raise click.UsageError("--from names the format of a file; DIRECTORY is a directory")
    inputs = [*([] if policy.is_builtin else [Path(policy.source)]), *([state_file] if state_file else [])]
    if kind == "pulumi":
        stack = pick_stack(directory, stack)
        inputs += [directory / "Pulumi.yaml", directory / f"Pulumi.{stack}.yaml", *program_input_files()]
    elif kind == "file":
        inputs.append(directory)
    if baseline_file is not None:
        inputs.append(baseline_file)
    given = assignments(ctx)
    if given and kind != "terraform":
        raise click.UsageError("--var-file and --var apply to a directory of Terraform files")
    inputs += [a.file for a in given if a.file is not None]
    refuse_to_overwrite(reports, inputs, sources=directory if directory.is_dir() else None)
    refuse_to_overwrite_inputs(attest, inputs, directory, kind, stack)
    try:
        signer = attest.signer() if attest is not None else None  # a bad key fails before the program runs
        # The inventory lives until the command ends: the collector need not walk it again. Read from
        # files (a plan, a state, .tf files), it is read with the collector paused; frozen before the
        # collector resumes, it is never walked (resumed first, it would walk all of it once).
        with collector_paused() if kind != "pulumi" else contextlib.nullcontext():
            inventory = load_inventory(directory, kind, stack, file_format, given)
            gc.freeze()
        ctx.call_on_close(gc.unfreeze)
        if state_file is not None:
            add_deployed_state(inventory, state_file)
        # The findings, and the document, too, live until the command ends: frozen as they are built,
        # they are never walked by the collector (resumed with them young, it would walk them all at once).
        with collector_paused():
            report = evaluate(inventory, policy, workers=workers_for(inventory))
            document = report.to_document(threshold) if output_format == "json" or reports or attest else None
            gc.freeze()
        if document is not None:
            document = with_baseline(document, baseline_file)
        if attest is not None:
            attestation = attest_decision(
                attest, command="check", target=directory, kind=kind, stack=stack,
                policy_file=None if policy.is_builtin else Path(policy.source),
                fail_on=fail_on, exit_code=EXIT_FINDINGS if report.failing(threshold) else EXIT_OK,
                report=report, findings=document, signer=signer, file_format=file_format, state_file=state_file,
                variables=given, invoke_answers=next(iter(program_input_files()), None),
            )
            document = {**document, "attestation": attestation}
        if output_format == "json":
            echo_json(document)
        else:
            from residency.render.text import render_text

            render_text(report, stdout_console(), threshold)
        write_reports(document, reports)
    except InputError as error:
        fail(error)
    sys.exit(EXIT_FINDINGS if report.failing(threshold) else EXIT_OK)


def source_kind(target: Path) -> str:
    """A file (a plan, a state, ...), a directory of .tf files (and no Pulumi.yaml), or a Pulumi program."""
    if target.is_file():
        return "file"
    pulumi = any((target / name).is_file() for name in ("Pulumi.yaml", "Pulumi.yml"))
    if target.is_dir() and not pulumi and (any(target.glob("*.tf")) or any(target.glob("*.tf.json"))):
        return "terraform"
    return "pulumi"


def add_deployed_state(inventory: Inventory, state_file: Path) -> None:
    """The deployed state the program is compared with (drift, RES006), from the same engine."""
    from residency.sources.files import load_file

    inventory.deployed = load_file(state_file)
    if inventory.source.kind.split("-")[0] != inventory.deployed.source.kind.split("-")[0]:
        raise InputError(
            f"a {inventory.deployed.source.kind} cannot be compared with a {inventory.source.kind}: "
            "give the state the same engine wrote for this program", file=str(state_file), key="--state",
        )


def load_inventory(target: Path, kind: str, stack: str | None, file_format: str | None = None,
                   terraform_inputs: tuple = ()) -> Inventory:
    if kind == "file":
        from residency.sources.files import load_file

        return load_file(target, file_format)
    if kind == "terraform":
        from residency.sources.terraform_hcl import load_directory

        return load_directory(target, terraform_inputs)
    return run_program_with_progress(target, pick_stack(target, stack))


def run_program_with_progress(directory: Path, stack: str) -> Inventory:
    """Run the program offline; on a terminal, show how many resources it has registered."""
    from residency.sources.pulumi_program import run_program

    limits, answers = program_run_settings()
    console = stderr_console()
    if not console.is_terminal:
        return run_program(directory, stack, limits=limits, answers=answers)
    with console.status(f"running {directory} (stack {stack}) offline") as status:
        def progress(count: int) -> None:
            if count % 25 == 0:
                status.update(f"running {directory} (stack {stack}) offline: {count} resources registered")
        return run_program(directory, stack, on_resource=progress, limits=limits, answers=answers)
