"""The terminal view of a report: a table of findings (a listing, when there are many), then how to
fix each rule's findings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table
from rich.text import Text

from residency.catalog import short_type
from residency.enforcement import Level
from residency.findings import Finding, Report
from residency.render.controls import visible

_LEVEL_STYLE = {Level.MANDATORY: "bold red", Level.ADVISORY: "yellow"}
# Findings shown as a table; more are listed instead. rich measures and wraps every cell of a table
# (about half a millisecond a row): tens of thousands of findings took half a minute.
TABLE_ROWS = 200
_LISTED_AT_ONCE = 1000  # findings a listing writes per print


def plain(value: object) -> str:
    """Text from the program under review, safe for a terminal and for rich: control characters
    shown as `\\xNN` (never interpreted), rich markup escaped (never applied)."""
    return escape(visible(value))


def render_text(report: Report, console: Console, fail_on: Level) -> None:
    source = report.inventory.source
    checked = sum(1 for r in report.inventory.resources if r.custom and not r.is_provider)
    target = f"{source.project} (stack {source.stack})" if source.project else source.path
    console.print(f"[bold]residency check[/] {plain(target)}: {checked} resources, policy {plain(report.policy.source)}")
    console.print(f"policy sha256: {report.policy.sha256}", markup=False)
    console.print(f"allowed regions: {report.policy.allowed_names}; home region: {report.policy.home_region.name}")
    for note in source.notes:
        console.print(f"[dim]note: {plain(note)}[/]")
    if not report.findings:
        enabled = [meta.id for meta, level in report.rules if level is not Level.DISABLED]
        console.print(f"[green]No findings.[/] Checked {checked} resources against {', '.join(enabled)}.")
        return
    if len(report.findings) <= TABLE_ROWS:
        console.print(_table(report.findings))
    else:
        for start in range(0, len(report.findings), _LISTED_AT_ONCE):
            # crop=False: a line longer than the console is wide is written whole, for the terminal to wrap
            console.print(Segments(_listing(report.findings[start:start + _LISTED_AT_ONCE])), end="", crop=False)
    _print_causes(report, console)
    console.print("[bold]How to fix[/]")
    for meta in sorted({f.rule for f in report.findings}, key=lambda m: m.id):
        console.print(f"  [bold]{meta.id}[/] {meta.title}: {meta.remediation}")
    failing = len(report.failing(fail_on))
    summary = f"{len(report.findings)} findings, {failing} failing at --fail-on {fail_on.value}"
    console.print(f"[bold red]{summary}[/]" if failing else f"[yellow]{summary}[/]")


def _table(findings: Sequence[Finding]) -> Table:
    table = Table(show_lines=True, expand=False)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Level", no_wrap=True)
    table.add_column("Resource", overflow="fold", max_width=40)
    table.add_column("Region", no_wrap=True)
    table.add_column("Why", overflow="fold", min_width=30)
    for finding in findings:
        level = Text(finding.level.value + ("" if finding.proven else "\n(unproven)"), style=_LEVEL_STYLE.get(finding.level, ""))
        if finding.waived:
            level = Text(f"waived\n({finding.level.value})", style="dim")
        where = f"\n{plain(finding.location)}" if finding.location else ""
        table.add_row(
            finding.rule.id,
            level,
            f"{plain(finding.resource.name)}\n[dim]{plain(short_type(finding.resource.type))}{where}[/]",
            plain(finding.resource.region or "-"),
            plain(finding.message),
        )
    return table


def _listing(findings: Sequence[Finding]) -> Iterator[Segment]:
    """Each finding in three lines, the table's columns in its order: rule, level, resource and
    region; type and place; what is wrong. Written as segments, which rich neither measures, wraps
    nor reads as markup."""
    bold, dim = Style.parse("bold"), Style.parse("dim")
    for finding in findings:
        if finding.waived:
            level = Segment(f"waived ({finding.level.value})", dim)
        else:
            unproven = "" if finding.proven else " (unproven)"
            level = Segment(finding.level.value + unproven, Style.parse(_LEVEL_STYLE.get(finding.level, "none")))
        resource = finding.resource
        where = f" · {visible(finding.location)}" if finding.location else ""
        yield Segment(finding.rule.id, bold)
        yield Segment("  ")
        yield level
        yield Segment(f"  {visible(resource.name)}  {visible(resource.region or '-')}\n    ")
        yield Segment(f"{visible(short_type(resource.type))}{where}", dim)
        yield Segment(f"\n    {visible(finding.message)}\n")


CAUSE_RESOURCES_SHOWN = 3  # resources named on a cause's line; the findings below name every one


def _print_causes(report: Report, console: Console) -> None:
    """The written lines behind the findings (a stack-config key, a provider block), most first."""
    causes: dict[tuple, list[str]] = {}
    for finding in report.findings:
        if finding.origins:
            origin = finding.origins[0]
            causes.setdefault((origin.kind, origin.name, origin.file, origin.line, origin.value), []).append(
                finding.resource.name
            )
    if not causes:
        return
    console.print("[bold]Caused by[/]")
    for (kind, name, file, line, value), names in sorted(causes.items(), key=lambda item: -len(item[1])):
        place = f"{file}:{line}" if file and line else file or ("the command line" if kind == "variable" else "?")
        if kind in ("stack-config", "variable"):  # a value written on that line
            what = f"{'variable ' if kind == 'variable' else ''}{name}" + (f" = {value}" if value else "")
        else:
            what = f"{kind} {name}" + (f" (region {value})" if value else "")
        resources = list(dict.fromkeys(names))
        shown = ", ".join(resources[:CAUSE_RESOURCES_SHOWN])
        if len(resources) > CAUSE_RESOURCES_SHOWN:  # one line per cause, however many resources share it
            shown += f" and {len(resources) - CAUSE_RESOURCES_SHOWN} more"
        console.print(f"  [bold]{plain(place)}[/] {plain(what)}: {len(names)} findings ({plain(shown)})")
