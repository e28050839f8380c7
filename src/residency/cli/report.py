"""`residency report`: render a saved findings document, or another engine's findings (a Pulumi
policy event stream, Checkov's JSON), in any report format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from residency.cli.common import choose_policy, fail
from residency.cli.outputs import (
    ReportTarget,
    baseline_option,
    refuse_to_overwrite,
    report_option,
    with_baseline,
    write_reports,
)
from residency.errors import InputError
from residency.inputs import MAX_FILE_BYTES, read_text
from residency.render.formats import RENDERERS

SOURCES = ("findings", "pulumi-events", "checkov-json")


@click.command()
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--from",
    "source",
    type=click.Choice(SOURCES),
    default="findings",
    show_default=True,
    help="What FILE is: a findings document (`residency check --format json`), a Pulumi engine event "
    "stream (`--event-log`, `pulumi policy analyze --json`) or `checkov -o json` output.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(RENDERERS)),
    help="The report to write to stdout, or to --output.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the --format report here.")
@report_option
@baseline_option
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path),
    help="With --from pulumi-events or checkov-json: the residency policy the engine ran with, or `builtin` "
    "(default: policies/residency.yaml in this directory or the nearest parent, up to the repository root).",
)
def report(
    file: Path,
    source: str,
    output_format: str | None,
    output: Path | None,
    reports: tuple[ReportTarget, ...],
    baseline_file: Path | None,
    policy_file: Path | None,
) -> None:
    """Render FILE (`-` for stdin) as html, md, sarif, junit or json.

    Exit status: 0 written, 2 bad input or usage (a document that fails the schema, an unreadable file)."""
    if output is not None and output_format is None:
        raise click.UsageError("--output needs --format")
    if output_format is None and not reports:
        raise click.UsageError("choose a report: --format FORMAT [-o FILE], or --report FORMAT=PATH")
    if policy_file is not None and source == "findings":
        raise click.UsageError(
            "--policy goes with --from pulumi-events or checkov-json; a findings document names its policy"
        )
    targets = [*reports, *([ReportTarget(output_format, output)] if output is not None else [])]
    inputs = [path for path in (file, baseline_file, policy_file) if path is not None and str(path) != "-"]
    refuse_to_overwrite(targets, inputs)
    try:
        document = with_baseline(read_document(file, source, policy_file), baseline_file)
        if output_format is not None and output is None:
            click.echo(RENDERERS[output_format](document), nl=False)
        write_reports(document, targets)
    except InputError as error:
        fail(error)


def read_document(file: Path, source: str, policy_file: Path | None) -> dict:
    shown = "<stdin>" if str(file) == "-" else str(file)
    text = _read_text(file, shown)
    if source == "findings":
        from residency.render.document import parse_document

        try:
            return parse_document(text, file=shown)
        except InputError as error:
            if error.key in ("$", None):  # not a findings document at all
                error.details.append("(the policy pack's or Checkov's output? read it with --from pulumi-events or checkov-json)")
            raise
    from residency.readers import read_checkov_json, read_pulumi_events

    reader = read_pulumi_events if source == "pulumi-events" else read_checkov_json
    # The engine ran where the command runs: its policy is found from here.
    return reader(text, file=shown, policy=choose_policy(Path.cwd(), policy_file))


def _read_text(file: Path, shown: str) -> str:
    if shown != "<stdin>":
        return read_text(file, shown)
    text = sys.stdin.read(MAX_FILE_BYTES + 1)
    if len(text) > MAX_FILE_BYTES:
        raise InputError(f"standard input has more than {MAX_FILE_BYTES} characters", file=shown)
    return text
