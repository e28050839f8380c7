"""A Pulumi stack's deployed state -> inventory: `pulumi stack export` (deployment v3, or v4 with
`features`) and the checkpoint file a self-managed backend keeps (`.pulumi/stacks/<project>/<stack>.json`,
the same deployment under `checkpoint.latest`).

Each resource is read with its inputs and its outputs, which are what was deployed; its provider
reference leads to the provider resource in the same state, whose `region` decides the region as
for a program (the engine writes `oci:region` into the default provider's inputs). A regional OCID
in the resource's ID or outputs then has the last word (sources/deployed.py). Secrets stay
ciphertext: they are checked as values that cannot be read, and never shown.

The preview and event-log sources read the same resource objects through `ResourceState`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, Secret, SourceInfo
from residency.inventory.values import from_pulumi
from residency.sources.deployed import locate_by_ocid
from residency.sources.json_file import expect_list, expect_mapping
from residency.sources.pulumi_graph import PulumiRecord, build_inventory, set_apart_reads

STACK_TYPE = "pulumi:pulumi:Stack"
VERSIONS = (3, 4)
NOT_PROPERTIES = ("id", "urn", "__meta", "__defaults")  # the resource's identity and the bridge's bookkeeping
SEALED = Secret(UNKNOWN)  # a secret as ciphertext
PENDING_DELETION = " (pending deletion)"


@dataclass
class ResourceState:
    """One resource object of the engine's (ResourceV3, a step's state in a preview or an event)."""

    record: PulumiRecord  # `read`: read (`get`), not created; the stack neither deploys nor deletes it
    id: Any = None


def inventory_from_state(document: Any, file: str) -> Inventory:
    deployment, config, where = _deployment(document, file)
    resources = expect_list(deployment.get("resources"), file, f"{where}.resources")
    states = [resource_state(entry, file, f"{where}.resources[{index}]", prefer_outputs=True)
              for index, entry in enumerate(resources)]
    pending = expect_list(deployment.get("pending_operations"), file, f"{where}.pending_operations")
    notes = []
    if pending:
        notes.append(
            f"{len(pending)} operation(s) were still pending when the state was written: some resources may exist "
            "that the state does not list (run `pulumi refresh`, then export again)"
        )
    sealed = sum(1 for state in states if not state.record.read
                 for value in state.record.inputs.values() if value == SEALED)  # top-level ones
    if sealed:
        notes.append(
            f"{sealed} secret value(s) are ciphertext: what they name cannot be checked offline, so each is an "
            "unproven finding where a rule needs it; `pulumi stack export --show-secrets` lets them be checked "
            "(they are still never shown)"
        )
    config = config if isinstance(config, Mapping) else {}
    return deployed_inventory(
        states, "pulumi-state", file, default_region=_config_value(config.get("oci:region")),
        default_auth=_config_value(config.get("oci:auth")), notes=notes,
    )


def _config_value(value: Any) -> Any:
    """A checkpoint's config value: plain, or `{"secure": ciphertext}`, which cannot be read."""
    return SEALED if isinstance(value, dict) else value


def _deployment(document: Any, file: str) -> tuple[Mapping[str, Any], Mapping[str, Any], str]:
    """The deployment, the checkpoint's config (if any), and where the deployment sits, for errors."""
    expected = ("expected `pulumi stack export` output ({\"version\": 3, \"deployment\": ...}) or a backend "
                "checkpoint ({\"version\": 3, \"checkpoint\": {\"latest\": ...}})")
    if not isinstance(document, dict) or not ({"deployment", "checkpoint"} & document.keys()):
        raise InputError(f"not a Pulumi state: {expected}", file=file)
    version = document.get("version")
    if version not in VERSIONS:
        raise InputError(
            f"unsupported deployment version {version!r}: expected 3 or 4 (export it with a current Pulumi CLI)",
            file=file, key="version",
        )
    if "deployment" in document:
        deployment = document["deployment"]
        if not isinstance(deployment, dict):
            raise InputError("expected the deployment object", file=file, key="deployment")
        return deployment, {}, "deployment"
    checkpoint = document["checkpoint"]
    if not isinstance(checkpoint, dict):
        raise InputError("expected the checkpoint object", file=file, key="checkpoint")
    latest = checkpoint.get("latest")
    if latest is None:  # a stack that was never deployed
        return {}, checkpoint.get("config") or {}, "checkpoint.latest"
    if not isinstance(latest, dict):
        raise InputError("expected the latest deployment object", file=file, key="checkpoint.latest")
    return latest, checkpoint.get("config") or {}, "checkpoint.latest"


def resource_state(
    entry: Any, file: str, where: str, *, prefer_outputs: bool, decode=from_pulumi,
) -> ResourceState:
    """A resource object as a record. Its properties are its inputs overlaid with its outputs
    where those say what is deployed (`prefer_outputs`), or the outputs under the inputs where
    the inputs are what is about to be (a preview)."""
    if not isinstance(entry, dict):
        raise InputError("expected a resource object", file=file, key=where)
    for key in ("urn", "type"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise InputError(f"a resource without {key}", file=file, key=f"{where}.{key}")
    inputs = expect_mapping(entry.get("inputs"), file, f"{where}.inputs")
    outputs = expect_mapping(entry.get("outputs"), file, f"{where}.outputs")
    merged = {**inputs, **outputs} if prefer_outputs else {**outputs, **inputs}
    properties = decode({k: v for k, v in merged.items() if k not in NOT_PROPERTIES})
    dependencies = expect_list(entry.get("dependencies"), file, f"{where}.dependencies")
    property_dependencies = expect_mapping(entry.get("propertyDependencies"), file, f"{where}.propertyDependencies")
    # An old copy that a replacement will delete still holds its data. It shares its URN with the
    # live resource: its own, as its name, tells the two apart to the rules (each judged on its own,
    # neither's classification taken for the other's), in reports and in drift.
    urn = entry["urn"] + (PENDING_DELETION if entry.get("delete") else "")
    record = PulumiRecord(
        urn=urn,
        type=entry["type"],
        name=urn.rsplit("::", 1)[-1],
        custom=bool(entry.get("custom")),
        inputs=properties,
        parent=_optional_text(entry, "parent", file, where),
        provider=_optional_text(entry, "provider", file, where),
        dependencies=tuple(d for d in dependencies if isinstance(d, str)),
        property_dependencies={
            key: tuple(d for d in urns if isinstance(d, str))
            for key, urns in property_dependencies.items() if isinstance(urns, list)
        },
        read=bool(entry.get("external")),
    )
    return ResourceState(record, decode(entry.get("id") or outputs.get("id")))


def _optional_text(entry: dict[str, Any], key: str, file: str, where: str) -> str | None:
    """A resource's URN-valued field (parent, provider reference): text, or absent."""
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError("expected a URN (text)", file=file, key=f"{where}.{key}")
    return value or None


def deployed_inventory(
    states: Iterable[ResourceState], kind: str, file: str, *, default_region: Any, default_auth: Any = None,
    notes: Iterable[str] = (), config_name: str = "the state",
) -> Inventory:
    """Records -> inventory, regions decided as for a program, then placed by their OCIDs. What the stack
    only reads (`get`: a state's `external`, a preview's `read` step) is placed the same way but kept
    apart (set_apart_reads)."""
    states = list(states)
    stack_urn = next((s.record.urn for s in states if s.record.type == STACK_TYPE), None)
    project, stack = urn_project_and_stack(stack_urn or next((s.record.urn for s in states), ""))
    source = SourceInfo(kind=kind, path=file, project=project, stack=stack, stack_urn=stack_urn, notes=tuple(notes))
    inventory = build_inventory(
        (s.record for s in states), default_region=default_region, config_name=config_name, source=source,
        default_auth=default_auth,
    )
    for resource, state in zip(inventory.resources, states, strict=True):
        locate_by_ocid(resource, state.id)
    return set_apart_reads(inventory, [s.record for s in states])


def urn_project_and_stack(urn: str) -> tuple[str | None, str | None]:
    """`urn:pulumi:<stack>::<project>::...` -> (project, stack)."""
    if not urn.startswith("urn:pulumi:") or urn.count("::") < 2:
        return None, None
    stack, project = urn[len("urn:pulumi:"):].split("::")[:2]
    return project, stack

