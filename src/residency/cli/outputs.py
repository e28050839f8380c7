"""Report files a command writes: `--report FORMAT=PATH`, as many as wanted in one run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from residency.errors import InputError
from residency.render.formats import RENDERERS


@dataclass(frozen=True)
class ReportTarget:
    format: str
    path: Path

    def __str__(self) -> str:
        return f"{self.format}={self.path}"


def _parse(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[ReportTarget, ...]:
    targets = []
    for value in values:
        name, separator, path = value.partition("=")
        if not separator or not name or not path:
            raise click.BadParameter(f"{value!r}: expected FORMAT=PATH, for example html=out/report.html")
        if name not in RENDERERS:
            raise click.BadParameter(f"{value!r}: unknown format {name!r}; expected one of {', '.join(RENDERERS)}")
        targets.append(ReportTarget(name, Path(path)))
    paths = [t.path.resolve() for t in targets]
    for target, path in zip(targets, paths, strict=True):
        if paths.count(path) > 1:
            raise click.BadParameter(f"{target.path} is given for more than one report")
    return tuple(targets)


report_option = click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=PATH",
    callback=_parse,
    help=f"Also write a report ({', '.join(RENDERERS)}) to PATH; repeat for several. Directories are created.",
)


def refuse_to_overwrite(
    targets: Iterable[ReportTarget], inputs: Iterable[Path], *, sources: Path | None = None
) -> None:
    """A report never replaces what the command reads: the given input files, nor (under
    `sources`, the program directory) any Python file."""
    protected = {p.resolve() for p in inputs}
    root = sources.resolve() if sources is not None else None
    for target in targets:
        path = target.path.resolve()
        if path in protected or (root is not None and path.suffix == ".py" and path.is_relative_to(root)):
            raise click.UsageError(f"the {target.format} report would overwrite an input: {target.path}")


def write_reports(document: Mapping[str, Any], targets: Iterable[ReportTarget]) -> None:
    for target in targets:
        text = RENDERERS[target.format](document)
        try:
            target.path.parent.mkdir(parents=True, exist_ok=True)
            target.path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise InputError(
                f"cannot write the {target.format} report: {error.strerror or error}", file=str(target.path)
            ) from None
