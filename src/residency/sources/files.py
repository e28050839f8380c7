"""One file, whatever the engine wrote: which format it is, and its inventory.

The formats are told apart by their top-level keys, which none of them share: a Pulumi export
has `deployment` (a backend checkpoint `checkpoint`), a preview `steps`, an event log is JSON
lines of events, a Terraform plan has `planned_values`, a Terraform state `values` (as `terraform
show -json` prints it) or `lineage` (the raw file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inputs import json_object_members, parse_json, read_bytes, text_of
from residency.inventory import Inventory

FORMATS = {
    "pulumi-state": "`pulumi stack export` or a backend checkpoint",
    "pulumi-preview": "`pulumi preview --json`",
    "pulumi-events": "a Pulumi event log (`--event-log`, JSON lines)",
    "terraform-plan": "a Terraform plan (`terraform show -json PLANFILE`)",
    "terraform-state": "a Terraform state (`terraform show -json`, or terraform.tfstate)",
}
EXPECTED = "expected " + ", ".join(FORMATS.values()) + "; or name the format with --from"


def load_file(path: Path, kind: str | None = None) -> Inventory:
    """The inventory of a file in any of FORMATS; `kind` forces the format."""
    file = str(path)
    data = read_bytes(path, file)
    members = document = None
    if kind is None:
        members = json_object_members(data)
        kind, document = detect(data, members, file)
    if kind == "terraform-plan":
        from residency.sources.terraform_plan import load_plan
        from residency.sources.terraform_plan_fields import PlanBytes

        # handed over: the plan reader builds only the members it reads and frees the bytes as it reads
        handed = PlanBytes(data, members)
        del data, members, document
        return load_plan(path, handed)
    text = text_of(data, file)
    if kind == "pulumi-events":
        from residency.sources.pulumi_events import inventory_from_events, parse_events

        return inventory_from_events(parse_events(text, file), file)
    if document is None:
        document = parse_json(text, file=file)
    if kind == "pulumi-state":
        from residency.sources.pulumi_state import inventory_from_state

        return inventory_from_state(document, file)
    if kind == "pulumi-preview":
        from residency.sources.pulumi_preview import inventory_from_preview

        return inventory_from_preview(document, file)
    if kind == "terraform-state":
        from residency.sources.terraform_state import inventory_from_terraform_state

        return inventory_from_terraform_state(document, file)
    raise InputError(f"unknown format {kind!r}; expected one of {', '.join(FORMATS)}", file=file)


def detect(data: bytes, members: dict[str, Any] | None, file: str) -> tuple[str, Any]:
    """The format, told from the top-level keys (`members`: json_object_members of `data`); and the
    document when telling needed it parsed whole (an event log, lines of JSON documents, has none)."""
    keys, document = None if members is None else set(members), None
    if keys is None:  # no JSON object: parsed as a whole, for its error or an event log's first line
        text = text_of(data, file)
        try:
            document = parse_json(text, file=file)
        except InputError as error:
            if _starts_with_event(text, file):
                return "pulumi-events", None
            error.message += f"; {EXPECTED}"
            raise
        keys = set(document) if isinstance(document, dict) else None
    kind = _kind(keys)
    if kind is None:
        raise InputError(f"not a format residency reads: {EXPECTED}", file=file)
    return kind, document


def _starts_with_event(text: str, file: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        event = parse_json(first, file=file)
    except InputError:
        return False
    return isinstance(event, dict) and "sequence" in event


def _kind(keys: set[str] | None) -> str | None:
    if keys is None:
        return None
    if keys & {"deployment", "checkpoint"}:
        return "pulumi-state"
    if keys & {"steps", "changeSummary"}:
        return "pulumi-preview"
    if "sequence" in keys:
        return "pulumi-events"
    if "planned_values" in keys:
        return "terraform-plan"
    if "lineage" in keys or keys & {"terraform_version", "format_version"}:
        return "terraform-state"
    return None
