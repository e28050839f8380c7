"""The options every command that runs a Pulumi program shares: how long and how much memory the
program may take, and the user's answers to its data sources. They are kept on the click context,
where run_program_with_progress reads them, so the commands' own signatures do not change."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from residency.sources.pulumi_host.invokes import InvokeAnswers, load_invoke_answers
from residency.sources.pulumi_host.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Limits

CONTEXT_KEY = "residency.program_run"


def program_options(command):
    @click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
                  help="For a Pulumi program: seconds it may run before it is stopped (exit 2).")
    @click.option("--memory-limit", type=click.IntRange(min=1024), default=DEFAULT_MEMORY_MB, show_default=True,
                  help="For a Pulumi program: the MiB of memory its process may take (exit 2 beyond).")
    @click.option("--invoke-answers", type=click.Path(path_type=Path, dir_okay=False),
                  help="For a Pulumi program: a YAML or JSON file of answers to its data sources (invokes).")
    @functools.wraps(command)
    def wrapper(*args, timeout: float, memory_limit: int, invoke_answers: Path | None, **kwargs):
        click.get_current_context().meta[CONTEXT_KEY] = (Limits(timeout=timeout, memory_mb=memory_limit), invoke_answers)
        return command(*args, **kwargs)

    return wrapper


def program_run_settings() -> tuple[Limits, InvokeAnswers]:
    """The options of the running command; the defaults outside a command."""
    context = click.get_current_context(silent=True)
    limits, answers_file = context.meta.get(CONTEXT_KEY, (Limits(), None)) if context else (Limits(), None)
    return limits, load_invoke_answers(answers_file)


def program_input_files() -> list[Path]:
    """The files the options name, which a report must never overwrite."""
    context = click.get_current_context(silent=True)
    _, answers_file = context.meta.get(CONTEXT_KEY, (None, None)) if context else (None, None)
    return [answers_file] if answers_file is not None else []


def use_invoke_answers(answers_file: Path | None) -> None:
    """For a command that runs a program with answers it did not take as an option (`residency
    verify`, with the attested ones): the default limits and these answers."""
    click.get_current_context().meta[CONTEXT_KEY] = (Limits(), answers_file)
