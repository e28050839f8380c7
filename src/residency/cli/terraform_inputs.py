"""`--var-file FILE` and `--var NAME=VALUE`: a Terraform configuration's inputs, as `terraform plan`
takes them. Terraform applies them in command-line order, one list across both options; Click
gives each option its own list, so the order is read from the arguments themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the Terraform reader (and its HCL parser) is imported only when .tf files are read
    from residency.sources.terraform_variables import Assignment

ORDER_KEY = "terraform_inputs"


def terraform_input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--var", "variables", multiple=True, metavar="NAME=VALUE",
        help="Terraform: set a root module variable, as `terraform plan -var` (repeatable).")(command)
    command = click.option(
        "--var-file", "var_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
        help="Terraform: a variable file, as `terraform plan -var-file` (repeatable; with --var, in command-line "
             "order). Without either, each variable file the repository ships is checked as one input set.")(command)
    return command


class TerraformInputsCommand(click.Command):
    """A command that remembers the order of --var-file and --var on its command line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ORDER_KEY] = _ordered(args)
        return super().parse_args(ctx, args)


def assignments(ctx: click.Context) -> tuple[Assignment, ...]:
    return tuple(ctx.meta.get(ORDER_KEY, ()))


def _ordered(args: Sequence[str]) -> list[Assignment]:
    found: list[Assignment] = []
    if not any(argument.partition("=")[0] in ("--var", "--var-file") for argument in args):
        return found
    from residency.sources.terraform_variables import Assignment

    iterator = iter(args)
    for argument in iterator:
        if argument == "--":
            break
        name, equals, value = argument.partition("=")
        if name not in ("--var", "--var-file"):
            continue
        if not equals:
            value = next(iterator, None)
            if value is None:
                break
        found.append(Assignment(file=Path(value)) if name == "--var-file" else Assignment(text=value))
    return found
