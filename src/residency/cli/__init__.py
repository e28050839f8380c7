"""The `residency` command line: one module per command, registered here."""

from __future__ import annotations

import click

from residency import __version__
from residency.cli.audit import audit
from residency.cli.check import check
from residency.cli.checkov import checkov
from residency.cli.common import fail, internal_error
from residency.cli.export import export
from residency.cli.report import report
from residency.cli.verify import verify
from residency.errors import InputError


class GuardedGroup(click.Group):
    """The command group, with the last line of defence around every command: an input error that
    escaped its command still exits 2, and anything else exits 3 as the bug it is. Exit 1 means
    failing findings and nothing else, so no crash can be read as a verdict."""

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


main.add_command(audit)
main.add_command(check)
main.add_command(checkov)
main.add_command(export)
main.add_command(report)
main.add_command(verify)
