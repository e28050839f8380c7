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
from typing import Any

from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, RegionSource, Secret
from residency.inventory.values import from_pulumi
from residency.sources.json_file import expect_list, expect_mapping
from residency.sources.pulumi_graph import is_default_provider
from residency.sources.pulumi_state import deployed_inventory, resource_state

BLINDED_SECRET = "[secret]"
REMOVING_OPS = ("delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard")
# a new physical resource: the ID and outputs a step may still carry are the old one's, not where it will be
CREATING_OPS = ("create", "replace", "create-replacement")
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


def about_to_be(op: str, state: Any) -> Any:
    """A step's new state without the old ID and outputs, when the step makes a new resource."""
    if op in CREATING_OPS and isinstance(state, dict):
        return {key: value for key, value in state.items() if key not in ("id", "outputs")}
    return state


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
        states.append(resource_state(about_to_be(step["op"], step["newState"]), file, f"{where}.newState",
                                     prefer_outputs=False, decode=blinded))
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
