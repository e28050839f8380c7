"""Regenerate src/residency/catalog/nested_blocks.json from the installed pulumi_oci classes.

A Terraform plan shows a nested block that is known only after apply, and that the plan's
configuration does not set, the same way whether it is a `dynamic` block over values known only
after apply or a default the provider computes (terraform-provider-oci marks most optional blocks
computed, so every create shows them unknown). The provider's schema tells the two apart: a block
the provider does not compute can only be a `dynamic` block. pulumi-oci is bridged from that
schema: an input that is optional in the Args class but always present in the resource's outputs
is one the provider computes.

The table lists, per pulumi-oci token, the top-level blocks that move data (the catalogue's
movement fields) or hold the OCID of something with a region (`*_id`, `*_ids` and `id` fields
below them, but for those of region-less things: compartments, users ..., and those that take no
OCID, the catalogue's `not_ocid_fields`; and the catalogue's `ocid_fields`, OCIDs under other
names), whether the provider computes each, and the reference fields below it.

Usage: python scripts/generate_nested_blocks.py   (imports every pulumi_oci module: about a minute)
"""

import importlib
import json
from importlib.metadata import version
from pathlib import Path

from residency.catalog import CATALOG
from residency.export.terraform_schema import Field, input_fields, pulumi_classes

TABLE = Path(__file__).resolve().parents[1] / "src" / "residency" / "catalog" / "nested_blocks.json"


def reference_fields(token: str, block: str, fields: dict[str, Field], prefix: str = "",
                     seen: frozenset[str] = frozenset()) -> list[str]:
    """The paths of the fields below a block that take the OCID of something with a region."""
    found = []
    for field in fields.values():
        path = f"{prefix}{field.python_name}"
        if field.nested:
            if field.nested not in seen:
                found += reference_fields(token, block, field.nested_fields(), f"{path}.", seen | {field.nested})
        elif CATALOG.takes_ocid(token, f"{block}.{path}") or (
                (field.python_name == "id" or field.python_name.endswith(("_id", "_ids")))
                and not CATALOG.names_region_less(field.python_name)
                and not CATALOG.takes_no_ocid(token, f"{block}.{path}")):
            found.append(path)
    return found


def blocks_of(token: str) -> dict[str, dict]:
    """The blocks of one resource type that the table lists."""
    module_name, class_name = pulumi_classes()[token]
    module = importlib.import_module(module_name)
    inputs, outputs = vars(getattr(module, class_name + "Args")), vars(getattr(module, class_name))
    movement_roots = {m.segments[0] for m in CATALOG.movements(token) if len(m.segments) > 1}
    found = {}
    for field in (input_fields(token) or {}).values():
        if not field.nested:
            continue
        references = reference_fields(token, field.python_name, field.nested_fields(), seen=frozenset({field.nested}))
        if not references and field.python_name not in movement_roots:
            continue
        optional = "Optional[" in str(inputs[field.python_name].fget.__annotations__.get("return"))
        always_out = "Optional[" not in str(outputs[field.python_name].fget.__annotations__.get("return"))
        found[field.python_name] = {"computed": optional and always_out, "references": references}
    return found


def build_table() -> dict:
    blocks = {token: found for token in sorted(pulumi_classes()) if (found := blocks_of(token))}
    return {"source": f"pulumi-oci {version('pulumi-oci')} (its Args and resource classes)", "blocks": blocks}


if __name__ == "__main__":
    TABLE.write_text(json.dumps(build_table(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {TABLE.name}")
