"""What the commands share: consoles, error reporting, exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from residency import __version__
from residency.errors import EXIT_INPUT, EXIT_INTERNAL, InputError

if TYPE_CHECKING:
    from rich.console import Console

    from residency.policy import ResidencyPolicy

POLICY_HELP = (
    "Residency policy file, or `builtin` for the built-in one (default: policies/residency.yaml in the "
    "target's directory or the nearest parent, up to the repository root)."
)


def stderr_console() -> Console:
    from rich.console import Console  # a check that prints JSON needs no terminal rendering

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # CI logs: room for tables rather than 80 columns
        console = Console(highlight=False, width=160)
    return console


def echo_json(document: Any) -> None:
    """`document` as indented JSON on stdout (`json.dumps(document, indent=2)` and a newline), written
    a piece at a time (a run of findings): the report of a large plan (tens of MB) is never held whole
    as text."""
    from residency.render.json_text import indented_json

    stream = sys.stdout
    for piece in indented_json(document):
        stream.write(piece)
    stream.write("\n")
    stream.flush()


def fail(error: InputError) -> NoReturn:
    """Bad input: a message on stderr, exit 2, never a traceback."""
    from residency.render.text import plain

    stderr_console().print(f"[bold red]error:[/] {plain(error)}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(EXIT_INPUT)


def choose_policy(target: Path, given: Path | None) -> ResidencyPolicy:
    """The policy the user meant: `--policy FILE` (or `builtin`), else the policies/residency.yaml
    that governs the target. Without one, the built-in policy with a warning; under CI=true that is
    an error unless `--policy builtin` says it is meant."""
    from residency.policy import BUILTIN, find_policy, load_policy

    if given is not None:
        return load_policy(given)
    found = find_policy(target)
    if found is not None:
        return load_policy(found)
    if os.environ.get("CI", "").lower() == "true":
        raise InputError(
            "no policies/residency.yaml in the target's directory or its parents up to the repository root; "
            "under CI the built-in policy is used only when asked for: pass --policy FILE or --policy builtin",
            file=str(target),
        )
    stderr_console().print(
        f"warning: no policies/residency.yaml found from {target} up to the repository root: "
        "using the built-in policy (pass --policy to choose one)",
        style="yellow", markup=False, highlight=False, soft_wrap=True,
    )
    return load_policy(BUILTIN)


def policy_line(policy: ResidencyPolicy) -> str:
    """Which policy decided, as every output says it."""
    return f"{policy.source} (sha256 {policy.sha256})"


def internal_error(error: BaseException) -> NoReturn:
    """A bug in residency itself: say so, with the few frames that locate it, and exit 3."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    console = stderr_console()
    console.print(f"internal error: {type(error).__name__}: {error}", markup=False, highlight=False, soft_wrap=True)
    for frame in frames:
        console.print(f"  {frame.filename}:{frame.lineno} in {frame.name}", markup=False, highlight=False)
    console.print(
        f"This is a bug in residency {__version__}, not a verdict on your code: please report it with the command "
        "you ran and, if you can, the input that caused it.",
        markup=False, highlight=False, soft_wrap=True,
    )
    sys.exit(EXIT_INTERNAL)
