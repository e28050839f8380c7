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
from residency.inputs import collector_paused, json_object_members, parse_json, read_bytes, text_of
from residency.inventory import Inventory

FORMATS = {
    "pulumi-state": "`pulumi stack export` or a backend checkpoint",
    "pulumi-preview": "`pulumi preview --json`",
    "pulumi-events": "a Pulumi event log (`--event-log`, JSON lines)",
    "terraform-plan": "a Terraform plan (`terraform show -json PLANFILE`)",
    "terraform-state": "a Terraform state (`terraform show -json`, or terraform.tfstate)",
}
# Each format by the top-level keys that tell it, tried in this order.
KINDS = (
    ("pulumi-state", {"deployment", "checkpoint"}),
    ("pulumi-preview", {"steps", "changeSummary"}),
    ("pulumi-events", {"sequence"}),
    ("terraform-plan", {"planned_values"}),
    ("terraform-state", {"lineage", "terraform_version", "format_version"}),
)
TELLING_KEYS = frozenset().union(*(keys for _, keys in KINDS))
EXPECTED = "expected " + ", ".join(FORMATS.values()) + "; or name the format with --from"


def load_file(path: Path, kind: str | None = None) -> Inventory:
    """The inventory of a file in any of FORMATS; `kind` forces the format."""
    file = str(path)
    data = read_bytes(path, file)
    members = plan = document = None
    if kind is None:
        from residency.sources.terraform_plan_fields import plan_members

        # the largest files are plans: the pass that tells the format builds the members a plan
        # reader reads (with the collector paused, as the reader pauses it); the members of a
        # document not of that shape are read unbuilt
        with collector_paused():
            plan = plan_members(data, TELLING_KEYS)
        members = json_object_members(data) if plan is None else None
        kind, document = detect(data, members if plan is None else plan, file)
    if kind == "terraform-plan":
        from residency.sources.terraform_plan import load_plan
        from residency.sources.terraform_plan_fields import PlanBytes

        # handed over: the plan reader builds only the members it reads and frees the bytes as it reads
        handed = PlanBytes(data, members, plan)
        del data, members, plan, document
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
    """The format, told from the top-level keys (`members`: of `data`, at least those TELLING_KEYS
    name; None when json_object_members reads no JSON object); and the document when telling
    needed it parsed whole (an event log, lines of JSON documents, has none)."""
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
    return next((kind for kind, telling in KINDS if keys & telling), None)
