"""What the commands share: consoles, error reporting, exit codes."""

from __future__ import annotations

import sys
import traceback
from typing import NoReturn

from rich.console import Console

from residency import __version__
from residency.errors import EXIT_INPUT, EXIT_INTERNAL, InputError


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:  # CI logs: room for tables rather than 80 columns
        console = Console(highlight=False, width=160)
    return console


def fail(error: InputError) -> NoReturn:
    """Bad input: a message on stderr, exit 2, never a traceback."""
    from residency.render.text import plain

    stderr_console().print(f"[bold red]error:[/] {plain(error)}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(EXIT_INPUT)


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
