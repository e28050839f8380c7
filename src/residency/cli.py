"""The `residency` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from residency import __version__
from residency.enforcement import Level
from residency.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _pick_stack(directory: Path, stack: str | None) -> str:
    if stack:
        return stack
    stacks = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in directory.glob("Pulumi.*.yaml"))
    if len(stacks) == 1:
        return stacks[0]
    listed = ", ".join(stacks) if stacks else "none"
    raise click.UsageError(f"choose a stack with --stack (stacks with config here: {listed})")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="residency")
def main() -> None:
    """Keep protected data inside its allowed OCI regions."""


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--stack", "-s", help="The stack whose Pulumi.<stack>.yaml config to use.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), help="Residency policy (default: policies/residency.yaml here, else the built-in one).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["mandatory", "advisory"]), default="mandatory", show_default=True, help="The lowest level that fails the check.")
def check(directory: Path, stack: str | None, policy_file: Path | None, output_format: str, fail_on: str) -> None:
    """Run the Pulumi program in DIRECTORY offline and check it against the residency policy.

    Exit status: 0 no failing findings, 1 failing findings, 2 bad input or usage."""
    from residency.engine import evaluate
    from residency.policy import load_policy
    from residency.render.text import render_text

    threshold = Level(fail_on)
    try:
        policy = load_policy(policy_file)
        inventory = _run_program(directory, _pick_stack(directory, stack))
        report = evaluate(inventory, policy)
    except InputError as error:
        _stderr().print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    if output_format == "json":
        click.echo(json.dumps(report.to_document(threshold), indent=2))
    else:
        console = Console(highlight=False)
        if not console.is_terminal:  # CI logs: room for the table rather than 80 columns
            console = Console(highlight=False, width=160)
        render_text(report, console, threshold)
    sys.exit(EXIT_FINDINGS if report.failing(threshold) else EXIT_OK)


def _run_program(directory: Path, stack: str):
    from residency.sources.pulumi_program import run_program

    console = _stderr()
    if not console.is_terminal:
        return run_program(directory, stack)
    with console.status(f"running {directory} (stack {stack}) offline") as status:
        def progress(count: int) -> None:
            if count % 25 == 0:
                status.update(f"running {directory} (stack {stack}) offline: {count} resources registered")
        return run_program(directory, stack, on_resource=progress)


if __name__ == "__main__":
    main()
