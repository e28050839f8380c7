"""The `residency` command line: one module per command, registered here."""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading

import click

from residency import __version__
from residency.cli.common import fail, internal_error
from residency.errors import InputError

# Each command's module, imported only when that command runs: a check needs neither the report
# templates nor the Checkov bridge, and the interpreter's start is most of a small check's time.
COMMANDS = {name: f"residency.cli.{name}" for name in ("audit", "check", "checkov", "export", "report", "verify")}


class GuardedGroup(click.Group):
    """The command group, with the last line of defence around every command: an input error that
    escaped its command still exits 2, and anything else exits 3 as the bug it is. Exit 1 means
    failing findings and nothing else, so no crash can be read as a verdict."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        return getattr(importlib.import_module(module), name) if module else None

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except InputError as error:
            fail(error)
        except Exception as error:  # noqa: BLE001 - this is the guard
            internal_error(error)


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="residency")
def main() -> None:
    """Keep protected data inside its allowed OCI regions."""


def run() -> None:
    """The `residency` program (its console script, `python -m residency`): `main`, then the process
    ends without freeing its heap object by object. After a large plan (millions of objects) that
    took a quarter of a second, for memory the system takes back at once. Exit handlers run and the
    output is flushed first, as at any exit; while other threads still run, it exits as Python does.
    Tests and benchmarks call `main`, in a process that goes on."""
    try:
        main()
    except SystemExit as ending:
        if ending.code is not None and not isinstance(ending.code, int):
            raise  # a message: Python prints it
        if any(thread is not threading.main_thread() and not thread.daemon for thread in threading.enumerate()):
            raise  # work still running (a thread pool's): Python waits for it, as at any exit
        atexit._run_exitfuncs()  # the handlers Python runs at exit, which os._exit does not
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            raise ending from None  # a closed pipe: Python reports it, as it would have
        os._exit(ending.code or 0)
