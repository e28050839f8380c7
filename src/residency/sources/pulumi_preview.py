"""`pulumi preview --json` (one document: config, steps with old and new states) -> inventory.

Each step's new state is what the update is about to make: its inputs, with values known only
after apply as Pulumi's unknown sentinel and secrets blinded to the text `[secret]` (both are
values nothing can be proven about). A step that deletes leaves nothing. The preview lists only
what changes, unless it ran with `--show-sames`, and never the default providers: their region is
`oci:region` in the document's config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, RegionSource, Secret
from residency.inventory.values import from_pulumi
from residency.sources.json_file import expect_list, expect_mapping, read_json
from residency.sources.pulumi_graph import is_default_provider
from residency.sources.pulumi_state import deployed_inventory, resource_state

BLINDED_SECRET = "[secret]"
REMOVING_OPS = ("delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard")
SAMES_LEFT_OUT = (
    "a preview lists only what changes: resources and explicit providers that stay the same are not in it "
    "(run `pulumi preview --json --show-sames` to check them too)"
)


def blinded(value: Any) -> Any:
    """Pulumi values as the CLI displays them: a secret is `[secret]`, or ciphertext `[secret]`."""
    decoded = from_pulumi(value)
    return _secrets(decoded)


def _secrets(value: Any) -> Any:
    if value == BLINDED_SECRET:
        return Secret(UNKNOWN)
    if isinstance(value, list):
        return [_secrets(item) for item in value]
    if isinstance(value, dict):
        return {key: _secrets(item) for key, item in value.items()}
    return value


def load_preview(path: Path) -> Inventory:
    return inventory_from_preview(read_json(path), str(path))


def inventory_from_preview(document: Any, file: str) -> Inventory:
    if not isinstance(document, dict) or "steps" not in document and "changeSummary" not in document:
        raise InputError(
            "not a Pulumi preview: expected the JSON of `pulumi preview --json` (config, steps, changeSummary)", file=file,
        )
    config = expect_mapping(document.get("config"), file, "config")
    states = []
    sames = False
    for index, step in enumerate(expect_list(document.get("steps"), file, "steps")):
        where = f"steps[{index}]"
        step = expect_mapping(step, file, where)
        if not isinstance(step.get("op"), str):
            raise InputError("a step without op", file=file, key=f"{where}.op")
        sames = sames or step["op"] == "same"
        if step["op"] in REMOVING_OPS or step.get("newState") is None:
            continue
        states.append(resource_state(step["newState"], file, f"{where}.newState", prefer_outputs=False, decode=blinded))
    notes = [] if sames else [SAMES_LEFT_OUT]
    region = blinded(config.get("oci:region")) if isinstance(config, Mapping) else None
    inventory = deployed_inventory(
        states, "pulumi-preview", file, default_region=region, default_auth=blinded(config.get("oci:auth")),
        notes=notes, config_name="the preview's config",
    )
    for resource in inventory.resources:
        resolution = resource.region
        if (resolution is not None and resolution.source is RegionSource.UNRESOLVED and resolution.provider
                and not is_default_provider(resolution.provider) and inventory.get(resolution.provider) is None):
            resource.region = replace(resolution, reason=(
                f"its provider {resolution.provider} is not in the preview, which lists only what changes "
                "(run `pulumi preview --json --show-sames`)"
            ))
    return inventory
