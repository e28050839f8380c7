"""The offline source: run a Pulumi Python program as the Pulumi CLI runs it, in a process of its own,
against a resource monitor served by the gate that answers like a preview, with no CLI, no
credentials and no state backend, and take the inventory it registers.

The program runs as the language host starts it (pulumi_host/child.py, after Pulumi's
`pulumi-language-python-exec`): with the project's virtualenv, in the `main` directory, with the
stack's config in PULUMI_CONFIG. Nothing it does reaches the gate's process: its output goes to
stderr, a timeout and a memory cap end it, and the gate alone decides how the run ended.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from residency.inventory import Inventory, SourceInfo
from residency.sources.pulumi_graph import build_inventory
from residency.sources.pulumi_host.invokes import InvokeAnswers
from residency.sources.pulumi_host.monitor import RecordingMonitor
from residency.sources.pulumi_host.limits import Limits
from residency.sources.pulumi_host.process import Launch, run_in_process
from residency.sources.pulumi_project import PulumiProject, StackConfig, load_project, load_stack_config


def run_program(
    directory: Path, stack: str, *, on_resource: Callable[[int], None] | None = None,
    limits: Limits | None = None, answers: InvokeAnswers | None = None,
) -> Inventory:
    """Run the program in `directory` for `stack` and return its inventory."""
    project = load_project(directory)
    config = load_stack_config(project, stack)
    answers = answers or InvokeAnswers()
    monitor = RecordingMonitor(
        project=project.name, stack=stack, project_dir=project.directory, default_region=config.get("oci:region"),
        answers=answers, on_resource=on_resource,
    )
    launch, notes = _launch(project, config)
    run_in_process(launch, monitor, limits or Limits())
    config_name = config.file.name if config.file else f"the stack config (there is no Pulumi.{stack}.yaml)"
    if not config.file:
        notes.append(f"there is no Pulumi.{stack}.yaml: the stack has no config")
    if monitor.unanswered_invokes:
        notes.append("offline, these data sources have no answer and gave unknown values: "
                     + ", ".join(sorted(monitor.unanswered_invokes)))
    source = SourceInfo(
        kind="pulumi-program",
        path=str(directory),
        project=project.name,
        stack=stack,
        stack_urn=monitor.stack_urn,
        notes=tuple(notes),
    )
    return build_inventory(
        monitor.records, default_region=config.get("oci:region"), config_name=config_name, source=source,
        default_auth=config.get("oci:auth"),
    )


def _launch(project: PulumiProject, config: StackConfig) -> tuple[Launch, list[str]]:
    """The interpreter, directory and environment the Python language host gives the program."""
    notes: list[str] = []
    environment = dict(os.environ)
    python = sys.executable
    if project.virtualenv is not None:
        interpreter = project.virtualenv / "bin" / "python"
        if interpreter.exists():
            python = str(interpreter)
            environment["VIRTUAL_ENV"] = str(project.virtualenv)
            environment["PATH"] = os.pathsep.join([str(project.virtualenv / "bin"), environment.get("PATH", "")])
            environment.pop("PYTHONHOME", None)
        else:
            notes.append(f"the project's virtualenv {project.virtualenv.name} does not exist: the program ran with "
                         "the gate's own Python")
    values, secret_keys = config.as_runtime_config()
    environment["PULUMI_CONFIG"] = json.dumps(values)
    environment["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys)
    environment["PYTHONUNBUFFERED"] = "1"
    launch = Launch(
        python=python, program=str(project.main), pwd=project.working_directory, root=project.directory,
        project=project.name, stack=config.stack, program_file=project.program_file, environment=environment,
    )
    return launch, notes
