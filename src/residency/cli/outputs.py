"""Files a command writes: `--report FORMAT=PATH` (as many as wanted in one run), `export -o`.

Nothing a user wrote is overwritten: an output may not be any input of the run, by path or by
inode (a hard link), nor a file of the program (its Python, Terraform and Pulumi files); it may
not be a directory, nor a symbolic link that leads out of its folder; and it is written to a
temporary file beside it, then renamed, so a failed run leaves the old file whole."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from residency.errors import InputError
from residency.render.formats import RENDERERS

# Files of a program that no output may replace, wherever they are under the program directory.
PROGRAM_SUFFIXES = (".py", ".tf", ".tf.json", ".tfvars", ".tfvars.json")
PROGRAM_NAMES = ("Pulumi.yaml", "Pulumi.yml", "PulumiPolicy.yaml", "residency.yaml")
_SKIPPED_DIRECTORIES = {".git", ".venv", "venv", "node_modules", "__pycache__", ".terraform"}


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

baseline_option = click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="An earlier findings document (--format json or --report json=...): each finding is marked new, "
    "unchanged or updated, and the ones now gone as fixed. The exit status does not change.",
)


def is_program_file(path: Path) -> bool:
    name = path.name
    return name in PROGRAM_NAMES or name.endswith(PROGRAM_SUFFIXES) or (
        name.startswith("Pulumi.") and name.endswith((".yaml", ".yml"))
    )


def _program_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in _SKIPPED_DIRECTORIES]
        for name in files:
            path = Path(directory, name)
            if is_program_file(path):
                yield path


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def refuse_to_overwrite(
    targets: Iterable[ReportTarget], inputs: Iterable[Path], *, sources: Path | None = None, noun: str = "report"
) -> None:
    """Raise a usage error before anything runs when an output would replace an input of the run
    (by resolved path or by inode), a file of the program under `sources`, a directory, or would
    follow a symbolic link out of its folder."""
    targets = list(targets)
    if not targets:
        return
    protected = [Path(p) for p in inputs]
    root = sources.resolve() if sources is not None and sources.is_dir() else None
    if root is not None:
        protected.extend(_program_files(root))
    paths = {p.resolve() for p in protected}
    inodes = {inode for inode in map(_inode, protected) if inode is not None}
    for target in targets:
        problem = output_problem(target.path, paths, inodes, root)
        if problem:
            raise click.UsageError(f"the {target.format} {noun} {problem}: {target.path}")


def output_problem(path: Path, inputs: set[Path], inodes: set[tuple[int, int]], root: Path | None) -> str | None:
    """Why `path` may not be written, or None."""
    if path.is_symlink():
        folder = path.absolute().parent.resolve()
        if path.resolve().parent != folder:
            return "is a symbolic link that leads out of its folder"
    if path.is_dir():
        return "is a directory, not a file"
    resolved = path.resolve()
    if resolved in inputs or _inode(path) in inodes:
        return "would overwrite an input"
    if root is not None and resolved.is_relative_to(root) and is_program_file(resolved):
        return "would overwrite a file of the program"
    return None


def write_atomically(path: Path, text: str, *, what: str) -> None:
    """Write to a temporary file in the same folder, then rename it over `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            handle.write(text)
            temporary = Path(handle.name)
        try:
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise InputError(f"cannot write the {what}: {error.strerror or error}", file=str(path)) from None


def write_reports(document: Mapping[str, Any], targets: Iterable[ReportTarget]) -> None:
    for target in targets:
        write_atomically(target.path, RENDERERS[target.format](document), what=f"{target.format} report")


def with_baseline(document: dict[str, Any], baseline_file: Path | None) -> dict[str, Any]:
    """`document` compared with the earlier findings document in `baseline_file`, if given."""
    if baseline_file is None:
        return document
    from residency.inputs import read_text
    from residency.render.baseline import apply_baseline
    from residency.render.document import parse_document

    earlier = parse_document(read_text(baseline_file, str(baseline_file)), file=str(baseline_file))
    return apply_baseline(document, earlier, file=str(baseline_file))
