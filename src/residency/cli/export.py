"""`residency export`: the offline inventory of a Pulumi program in another tool's format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from residency.cli.check import pick_stack, run_program_with_progress
from residency.cli.common import fail
from residency.cli.outputs import ReportTarget, refuse_to_overwrite, write_atomically
from residency.cli.program_options import program_options
from residency.errors import InputError

if TYPE_CHECKING:
    from residency.inventory import Inventory


@click.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--stack", "-s", help="The stack whose Pulumi.<stack>.yaml config to use.")
@click.option("--format", "output_format", type=click.Choice(["terraform-plan"]), default="terraform-plan", show_default=True,
              help="terraform-plan: the JSON of `terraform show -json`, which Checkov scans.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@program_options
def export(directory: Path, stack: str | None, output_format: str, output: Path | None) -> None:
    """Run the Pulumi program in DIRECTORY offline and write its deployment as a Terraform plan.

    Exit status: 0 written, 2 bad input or usage, 3 an internal error."""
    if output is not None:
        # the plan never replaces the program, its config or the policy, nor goes to a directory
        refuse_to_overwrite([ReportTarget("terraform-plan", output)], [], sources=directory, noun="output")
    try:
        document = export_program(directory, stack)
        text = json.dumps(document, indent=1) + "\n"
        if output is None:
            click.echo(text, nl=False)
        else:
            write_atomically(output, text, what="plan")
    except InputError as error:
        fail(error)


def export_program(directory: Path, stack: str | None) -> dict:
    """The program's deployment as a plan document (`terraform show -json`)."""
    return run_and_export(directory, stack)[1]


def run_and_export(directory: Path, stack: str | None) -> tuple[Inventory, dict]:
    """The program run offline: its inventory, and that inventory as a plan document."""
    from residency.export.terraform_plan import export_plan
    from residency.sources.pulumi_project import load_project, load_stack_config

    stack = pick_stack(directory, stack)
    config = load_stack_config(load_project(directory), stack)
    inventory = run_program_with_progress(directory, stack)
    return inventory, export_plan(inventory, config.get("oci:region"), config.get("oci:auth")).document
