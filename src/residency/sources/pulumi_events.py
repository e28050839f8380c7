"""Pulumi's engine event log (`pulumi preview|up --event-log FILE`: JSON lines) -> inventory.

Each resource step event carries the resource's state as the engine sees it (`metadata.new`): in a
preview its inputs are what is about to be; after an update, its outputs are what was deployed.
The last state of each resource counts; a resource the run deletes is gone. Since Pulumi 3.131
the log also has the default providers' steps, whose inputs hold the region; before that the
region comes from `oci:region` in the prelude's config. The report reader of policy events
(readers/pulumi_events.py) parses the stream with `parse_events` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from residency.errors import InputError
from residency.inputs import parse_json
from residency.inventory import Inventory
from residency.sources.pulumi_preview import about_to_be, blinded
from residency.sources.pulumi_state import ResourceState, deployed_inventory, resource_state

STEP_EVENTS = ("resourcePreEvent", "resOutputsEvent")
REMOVED = ("delete", "discard", "read-discard")  # the resource is gone after the step; a replaced one is not


def parse_events(text: str, file: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The stream's events with their line numbers."""
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = parse_json(line, file=file, what="a Pulumi engine event (JSON lines expected)")
        except InputError as error:
            error.line = number
            raise
        if not isinstance(event, dict):
            raise InputError("not a Pulumi engine event: expected a JSON object per line", file=file, line=number)
        found = True
        yield number, event
    if not found:
        raise InputError("no Pulumi engine events in the file", file=file)


def step_states(events: Iterable[tuple[int, Mapping[str, Any]]]) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """(line, event kind, metadata) of every resource step event."""
    for line, event in events:
        for kind in STEP_EVENTS:
            payload = event.get(kind)
            if isinstance(payload, dict) and isinstance(payload.get("metadata"), dict):
                yield line, kind, payload


def inventory_from_events(events: Iterable[tuple[int, Mapping[str, Any]]], file: str) -> Inventory:
    events = list(events)
    config = next((e["preludeEvent"].get("config") for _, e in events if isinstance(e.get("preludeEvent"), dict)), None)
    states: dict[str, ResourceState] = {}
    steps = 0
    for line, kind, payload in step_states(events):
        steps += 1
        metadata = payload["metadata"]
        where = f"line {line}: {kind}.metadata"
        if metadata.get("op") in REMOVED:
            states.pop(str(metadata.get("urn")), None)
            continue
        new = metadata.get("new")
        if new is None:
            continue
        deployed = kind == "resOutputsEvent" and not payload.get("planning")
        if not deployed:
            new = about_to_be(str(metadata.get("op")), new)
        state = resource_state(new, file, f"{where}.new", prefer_outputs=deployed, decode=blinded)
        states[state.record.urn] = state
    if not steps:
        raise InputError(
            "no resource steps in the event log: expected `pulumi preview|up --event-log FILE` (policy events "
            "alone are read by `residency report --from pulumi-events`)",
            file=file,
        )
    region = blinded(config.get("oci:region")) if isinstance(config, dict) else None
    return deployed_inventory(
        states.values(), "pulumi-events", file, default_region=region, config_name="the event log's config",
    )
