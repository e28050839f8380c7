"""The `residency` command line: one module per command, registered here."""

from __future__ import annotations

import importlib

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

