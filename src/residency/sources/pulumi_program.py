"""The offline source: run a Pulumi Python program as the Pulumi CLI runs it, in a process of its own,
against a resource monitor served by the gate that answers like a preview, with no CLI, no
credentials and no state backend, and take the inventory it registers.

The program runs as the language host starts it (pulumi_host/child.py, after Pulumi's
`pulumi-language-python-exec`): with the project's virtualenv, in the `main` directory, with the
stack's config in PULUMI_CONFIG. Nothing it does reaches the gate's process: its output goes to
stderr, a timeout and a memory cap end it, and the gate alone decides how the run ended.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from residency.inventory import UNKNOWN, Inventory, RegionResolution, RegionSource, Secret, SourceInfo
from residency.sources.pulumi_graph import PulumiRecord, build_inventory, provider_urn, set_apart_reads
from residency.sources.pulumi_host.child_outside import PROBE_MARK
from residency.sources.pulumi_host.invokes import InvokeAnswers
from residency.sources.pulumi_host.limits import Limits
from residency.sources.pulumi_host.monitor import UPDATE_ID_MARK, RecordingMonitor
from residency.sources.pulumi_host.outside import OutsideReads
from residency.sources.pulumi_host.process import Launch, run_in_process
from residency.sources.pulumi_project import PulumiProject, StackConfig, load_project, load_stack_config

PROVIDER_TYPE_PREFIX = "pulumi:providers:"
ITSELF = "the resource itself"  # what changed, for a resource registered in one run only
UPDATE_PURPOSE = "run as an update, with IDs known, to see what its apply callbacks create"


def run_program(
    directory: Path, stack: str, *, on_resource: Callable[[int], None] | None = None,
    limits: Limits | None = None, answers: InvokeAnswers | None = None,
) -> Inventory:
    """Run the program in `directory` for `stack` and return its inventory."""
    project = load_project(directory)
    config = load_stack_config(project, stack)
    answers = answers or InvokeAnswers()
    limits = limits or Limits()
    preview, update = (
        RecordingMonitor(
            project=project.name, stack=stack, project_dir=project.directory, default_region=config.get("oci:region"),
            answers=answers, on_resource=on_resource if not known_ids else None, known_ids=known_ids,
        )
        for known_ids in (False, True)
    )
    launch, notes = _launch(project, config)
    # The preview knows which values are unknown before apply; the update run, where every ID is known,
    # runs the apply callbacks a preview never runs, and so sees the resources they create. Both at once.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        updating = pool.submit(
            run_in_process, replace(launch, dry_run=False, purpose=UPDATE_PURPOSE), update, limits, pass_output=False,
        )
        read = run_in_process(launch, preview, limits)
        read |= updating.result()
    records, updated, from_outside = preview.records, update.records, {}
    if read:
        records, updated, from_outside = _probed(records, updated, project, config, launch, limits, answers, read)
        changed = ", ".join(f"{urn.rsplit('::', 1)[-1]} ({', '.join(sorted(keys))})" for urn, keys in sorted(from_outside.items()))
        notes.append(f"the program reads from outside itself ({'; '.join(read.named(project.directory))}); "
                     + (f"what changed with it is known only where it deploys: {changed}" if changed else "nothing it deploys changed with it"))
    records, created_in_callbacks, differing = merge_runs(records, updated)
    if differing:
        notes.append("values that differed between two runs of the program, so come from something that changes "
                     "from run to run (the clock, randomness), are known only where it deploys: " + ", ".join(
                         f"{urn.rsplit('::', 1)[-1]} ({', '.join(sorted(keys))})" for urn, keys in sorted(differing.items())))
    if created_in_callbacks:
        notes.append("registered only once IDs are known, by apply callbacks that a preview does not run (checked "
                     "from a run as an update): " + ", ".join(sorted(created_in_callbacks)))
    config_name = config.file.name if config.file else f"the stack config (there is no Pulumi.{stack}.yaml)"
    if not config.file:
        notes.append(f"there is no Pulumi.{stack}.yaml: the stack has no config")
    if preview.unanswered_invokes:
        notes.append("offline, these data sources have no answer and gave unknown values: "
                     + ", ".join(sorted(preview.unanswered_invokes)))
    source = SourceInfo(
        kind="pulumi-program",
        path=str(directory),
        project=project.name,
        stack=stack,
        stack_urn=preview.stack_urn,
        notes=tuple(notes),
    )
    inventory = build_inventory(
        records, default_region=config.get("oci:region"), config_name=config_name, source=source,
        default_auth=config.get("oci:auth"), config_origins=config.origins,
    )
    _name_outside_regions(inventory, from_outside, read.named(project.directory))
    return set_apart_reads(inventory, records)


def _probed(
    preview: list[PulumiRecord], update: list[PulumiRecord], project: PulumiProject, config: StackConfig,
    launch: Launch, limits: Limits, answers: InvokeAnswers, read: OutsideReads,
) -> tuple[list[PulumiRecord], list[PulumiRecord], dict[str, set[str]]]:
    """Run the program once more with everything it read from outside itself changed: each environment
    variable, each config key the stack does not set (as PULUMI_CONFIG_<KEY>), each file's content, the
    clock and randomness. What changed depends on where the program is deployed, so it becomes unknown.
    The probe runs as an update, so the resources apply callbacks create are compared too, and those
    only it registers are checked. Returns the preview's and the update's records, and by URN the changed keys."""
    probe = RecordingMonitor(
        project=project.name, stack=config.stack, project_dir=project.directory,
        default_region=config.get("oci:region"), answers=answers, known_ids=True,
    )
    purpose = f"run again with what it reads from outside itself changed: {'; '.join(read.named(project.directory))}"
    run_in_process(replace(
        launch, environment=read.probe_environment(launch.environment), purpose=purpose, probe_files=read.files,
        dry_run=False,
    ), probe, limits, pass_output=False)
    probed = {record.urn: record for record in probe.records}
    changed: dict[str, set[str]] = {}

    def compared(records: list[PulumiRecord]) -> list[PulumiRecord]:
        result = []
        for record in records:
            other = probed.get(record.urn)
            keys = {ITSELF} if other is None else _changed_keys(record, other)
            if keys:
                changed.setdefault(record.urn, set()).update(keys)
                # an input the probe run set and this run left out (an unset auth) may be set where it is deployed
                record = replace(record, inputs={**{key: UNKNOWN if key in keys else v for key, v in record.inputs.items()},
                                                 **{key: UNKNOWN for key in keys - {ITSELF, "provider"}}})
            result.append(record)
        return result

    seen = {record.urn for record in (*preview, *update)}
    only_probed = [  # registered only with the values the gate made up
        replace(record, inputs=_without_made_up_ids(_without_probe_values(record)))
        for urn, record in probed.items() if urn not in seen
    ]
    changed.update((record.urn, {ITSELF}) for record in only_probed)
    return [*compared(preview), *only_probed], compared(update), changed


def _changed_keys(record: PulumiRecord, probed: PulumiRecord) -> set[str]:
    """The inputs (and "provider") of a record that the probe run gave other values, wherever the
    record knew them (an ID made up by an update run is no value)."""
    keys = {
        key for key in set(record.inputs) | set(probed.inputs)
        if key not in record.inputs or key not in probed.inputs or not _same_where_known(record.inputs[key], probed.inputs[key])
    }
    if provider_urn(record.provider or "") != provider_urn(probed.provider or ""):
        keys.add("provider")
    return keys


def _name_outside_regions(inventory: Inventory, changed: dict[str, set[str]], named: list[str]) -> None:
    """A resource whose provider, or its provider's region, changed with what the program reads from
    outside itself has no provable region: the reason names what it reads."""
    outside = f"what the program reads from outside itself ({'; '.join(named)})"
    for resource in inventory.resources:
        resolution = resource.region
        if resolution is None:
            continue
        if "provider" in changed.get(resource.urn, ()):
            reason = f"which provider {resource.name!r} is created through changes with {outside}"
        elif resolution.provider is not None and "region" in changed.get(resolution.provider, ()):
            reason = f"the region of provider {resolution.provider.rsplit('::', 1)[-1]!r} changes with {outside}"
        elif resolution.provider is not None and "auth" in changed.get(resolution.provider, ()):
            # under some auth methods OCI ignores the written region (ResourcePrincipal, OKEWorkloadIdentity)
            reason = f"the auth method of provider {resolution.provider.rsplit('::', 1)[-1]!r} changes with {outside}"
        else:
            continue
        resource.region = RegionResolution(
            RegionSource.UNRESOLVED, provider=resolution.provider,
            reason=f"{reason}: it is decided where the program is deployed, and cannot be proven",
        )


def _launch(project: PulumiProject, config: StackConfig) -> tuple[Launch, list[str]]:
    """The interpreter, directory and environment the Python language host gives the program."""
    notes: list[str] = []
    # The SDK reads a config key the stack does not set from PULUMI_CONFIG_<KEY>: a value of the
    # gate's own environment, which no reviewer sees. The program gets only its stack's config.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PULUMI_CONFIG")}
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


def merge_runs(
    preview: list[PulumiRecord], update: list[PulumiRecord],
) -> tuple[list[PulumiRecord], list[str], dict[str, set[str]]]:
    """The preview's records, and those only the update run registered (a value that carries a
    made-up ID is known only after apply there). A value both runs knew but that differs between
    them comes from something that changes from run to run (the clock, randomness): it is unknown.
    Returns the records, the names only the update registered and, by URN, the keys that differed."""
    updated = {record.urn: record for record in update}
    records, differing = [], {}
    for record in preview:
        other = updated.pop(record.urn, None)
        keys = _differing_keys(record.inputs, other.inputs) if other is not None else set()
        if keys:
            differing[record.urn] = keys
            record = replace(record, inputs={k: UNKNOWN if k in keys else v for k, v in record.inputs.items()})
        records.append(record)
    extra = [replace(record, inputs=_without_made_up_ids(record.inputs)) for record in updated.values()]
    return [*records, *extra], [record.name for record in extra], differing


def _differing_keys(preview: dict[str, Any], update: dict[str, Any]) -> set[str]:
    return {key for key, value in preview.items() if key in update and not _same_where_known(value, update[key])}


def _same_where_known(preview: Any, update: Any) -> bool:
    """Whether the update run's value is the preview's wherever the preview knew it (and the update
    did not make it up from an ID)."""
    if preview is UNKNOWN or _without_made_up_ids(update) is UNKNOWN:
        return True
    if isinstance(preview, Secret) and isinstance(update, Secret):
        return _same_where_known(preview.value, update.value)
    if isinstance(preview, dict) and isinstance(update, dict):
        return preview.keys() == update.keys() and all(_same_where_known(v, update[k]) for k, v in preview.items())
    if isinstance(preview, list) and isinstance(update, list):
        return len(preview) == len(update) and all(map(_same_where_known, preview, update))
    return preview == update


def _without_probe_values(record: PulumiRecord) -> dict[str, Any]:
    """A resource only the probe run registered: the values that carry the probe's mark are unknown,
    and a provider's are all unknown (its region, with numbers or words the probe made up, would be
    no region the program deploys to)."""
    if record.type.startswith(PROVIDER_TYPE_PREFIX):
        return dict.fromkeys(record.inputs, UNKNOWN)
    return _unknown_where_marked(record.inputs, PROBE_MARK)


def _without_made_up_ids(value: Any) -> Any:
    return _unknown_where_marked(value, UPDATE_ID_MARK)


def _unknown_where_marked(value: Any, mark: str) -> Any:
    """The value with every string that carries `mark` (a value the gate made up) unknown."""
    if isinstance(value, str):
        return UNKNOWN if mark in value else value
    if isinstance(value, dict):
        return {key: _unknown_where_marked(item, mark) for key, item in value.items()}
    if isinstance(value, list):
        return [_unknown_where_marked(item, mark) for item in value]
    if isinstance(value, Secret):
        return Secret(_unknown_where_marked(value.value, mark))
    return value
