"""`residency audit`: every stack's deployed state at once (a folder of `pulumi stack export`s,
Terraform states ...), in parallel, with one summary and one findings document."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from residency.cli.common import POLICY_HELP, choose_policy, echo_json, fail, stderr_console, stdout_console
from residency.cli.outputs import ReportTarget, refuse_to_overwrite, report_option, write_reports
from residency.enforcement import Level
from residency.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError
from residency.sources.files import FORMATS


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), help=POLICY_HELP)
@click.option("--from", "file_format", type=click.Choice(list(FORMATS)),
              help="What every file is (default: told from each file's content).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the summary table; json: the fleet's findings document.")
@click.option("--fail-on", type=click.Choice(["mandatory", "advisory"]), default="mandatory", show_default=True,
              help="The lowest level that fails a stack.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@report_option
def audit(
    paths: tuple[Path, ...], policy_file: Path | None, file_format: str | None, output_format: str, fail_on: str,
    jobs: int | None, reports: tuple[ReportTarget, ...],
) -> None:
    """Check the deployed state of many stacks: each PATH is a state file or a folder of them
    (`pulumi stack export` output, backend checkpoints, event logs, `terraform show -json`,
    terraform.tfstate; `*.json`, `*.jsonl`, `*.tfstate`).

    Exit status: 0 every stack passes, 1 a stack has failing findings, 2 bad input or usage (a file
    that cannot be read is named, the others are still audited and reported)."""
    from residency.audit import combined_document, run_audit, state_files
    from residency.findings import policy_document
    from residency.policy import BUILTIN

    threshold = Level(fail_on)
    try:
        policy = choose_policy(paths[0], policy_file)
        chosen = BUILTIN if policy.is_builtin else Path(policy.source)  # what every worker reads
        files = state_files(paths)
        if not files:
            raise InputError("no state files (*.json, *.jsonl, *.tfstate) in " + ", ".join(map(str, paths)))
        refuse_to_overwrite(reports, [*files, *([] if policy.is_builtin else [chosen])])
        result = _run_with_progress(run_audit, files, chosen, threshold, file_format, jobs)
        document = combined_document(result, policy_document(policy), threshold, audited=", ".join(map(str, paths)))
        if output_format == "json":
            echo_json(document)
        else:
            _summary(result, stdout_console())
        write_reports(document, reports)
    except InputError as error:
        fail(error)
    for broken in result.errors:
        stderr_console().print(f"[bold red]error:[/] {broken.error}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(EXIT_INPUT if result.errors else EXIT_FINDINGS if result.failed else EXIT_OK)


def _run_with_progress(run_audit, files, policy_file, threshold, file_format, jobs):
    """A progress bar on a terminal (stderr), nothing otherwise."""
    console = stderr_console()
    if not console.is_terminal:
        return run_audit(files, policy_file, threshold, file_format=file_format, jobs=jobs)
    columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failing]} failing"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("audit", total=len(files), failing=0)
        failing = 0

        def advance(result) -> None:
            nonlocal failing
            failing += not result.passed
            progress.update(task, advance=1, failing=failing)

        return run_audit(files, policy_file, threshold, file_format=file_format, jobs=jobs, on_result=advance)


def _summary(result, console) -> None:
    table = Table(title="residency audit", show_lines=False)
    table.add_column("Stack", overflow="fold")
    table.add_column("File", overflow="fold", style="dim")
    table.add_column("Resources", justify="right")
    table.add_column("Failing findings by rule", overflow="fold")
    table.add_column("Worst region", no_wrap=True)
    for stack in result.results:
        if stack.error is not None:
            table.add_row(stack.stack, stack.path, "-", "[bold red]cannot be read[/]", "-")
            continue
        by_rule = ", ".join(f"{rule} {count}" for rule, count in stack.failing_by_rule.items())
        table.add_row(stack.stack, stack.path, str(stack.resources), f"[red]{by_rule}[/]" if by_rule else "[green]none[/]",
                      stack.worst_region or "-")
    console.print(table)
    failing = sum(1 for s in result.results if s.document is not None and not s.passed)
    resources = sum(s.resources for s in result.results)
    summary = f"{len(result.results)} stacks, {resources} resources: {failing} failing"
    if result.errors:
        summary += f", {len(result.errors)} could not be read"
    console.print(f"[bold red]{summary}[/]" if failing or result.errors else f"[green]{summary}[/]")
