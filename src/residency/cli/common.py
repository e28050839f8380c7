"""What the commands share: consoles, error reporting, exit codes."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

from residency.errors import EXIT_INPUT, InputError


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
