"""The `residency` command line: one module per command, registered here."""

from __future__ import annotations

import click

from residency import __version__
from residency.cli.audit import audit
from residency.cli.check import check
from residency.cli.checkov import checkov
from residency.cli.export import export
from residency.cli.report import report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="residency")
def main() -> None:
    """Keep protected data inside its allowed OCI regions."""


main.add_command(audit)
main.add_command(check)
main.add_command(checkov)
main.add_command(export)
main.add_command(report)
