"""Regenerate src/residency/catalog/terraform_names.json from the installed pulumi_oci classes.

pulumi-oci is bridged from terraform-provider-oci. A Pulumi input is the camelCase of the
Terraform argument, except that the bridge pluralizes a list whose Terraform name is singular
(`deletion_policy` -> `deletion_policies`, even `group_by` -> `group_bies`). pulumi_oci does not
keep the Terraform name, but its examples do: they are converted from Oracle's Terraform
examples, whose variables are named after the Terraform attribute path
(`mysql_db_system_deletion_policy_final_backup`). A list input is renamed when the examples
name it only in the singular, followed by one of its element's fields (or, for a list of
values, at the end of a variable name).

`residency export` reads the table; tests/test_terraform_export.py checks its entries against
pulumi_oci. Importing every pulumi_oci module takes about a minute.

Usage: python scripts/generate_terraform_names.py
"""

import importlib
import inspect
import json
import re
from importlib.metadata import version
from pathlib import Path

from residency.export.terraform_schema import FieldKind, input_fields, pulumi_classes

TABLE = Path(__file__).resolve().parents[1] / "src" / "residency" / "catalog" / "terraform_names.json"


def singulars(plural: str) -> set[str]:
    found = {plural[:-1]} if plural.endswith("s") else set()
    if plural.endswith("ies"):
        found.add(plural[:-3] + "y")
    if plural.endswith("es"):
        found.add(plural[:-2])
    return found


def renamed(identifiers: set[str], plural: str, element_fields: set[str], siblings: set[str]) -> str | None:
    """The singular Terraform name the examples use for a pluralized list, if they use one. A
    singular that names another field beside it is that field, not this one."""
    if any(f"_{plural}_" in name or name.endswith(f"_{plural}") for name in identifiers):
        return None
    for singular in sorted(singulars(plural) - siblings):
        if element_fields:
            if any(f"_{singular}_{field}" in name for name in identifiers for field in element_fields):
                return singular
        elif any(name.endswith(f"_{singular}") for name in identifiers):
            return singular
    return None


def scan_class(fields, identifiers: set[str], prefix: str, found: dict[str, str], seen: set) -> None:
    siblings = {f.python_name for f in fields.values()}
    for field in fields.values():
        path = f"{prefix}{field.python_name}"
        nested = field.nested_fields() if field.nested else {}
        if field.kind in (FieldKind.LIST, FieldKind.BLOCKS):
            singular = renamed(identifiers, field.python_name, {f.python_name for f in nested.values()}, siblings)
            if singular:
                found[path] = singular
        if nested and field.nested not in seen:
            scan_class(nested, identifiers, f"{path}.", found, seen | {field.nested})


# Renamed lists that the examples in pulumi_oci do not show, with the Terraform examples that do:
# terraform-provider-oci examples/identity (network sources: `virtual_source_list { vcn_id ... }`).
NOT_IN_EXAMPLES = {
    "oci:Identity/networkSource:NetworkSource": {"virtual_source_lists": "virtual_source_list"},
}


def build_table() -> dict:
    table = {token: dict(names) for token, names in NOT_IN_EXAMPLES.items()}
    for token, (module_name, class_name) in sorted(pulumi_classes().items()):
        resource = getattr(importlib.import_module(module_name), class_name)
        identifiers = set(re.findall(r"\b[a-z][a-z0-9_]*\b", inspect.getsource(resource)))
        found: dict[str, str] = {}
        scan_class(input_fields(token), identifiers, "", found, set())
        if found:
            table[token] = {**table.get(token, {}), **found}
    return {"source": f"pulumi-oci {version('pulumi-oci')} (the examples in its classes)", "renamed": table}


if __name__ == "__main__":
    TABLE.write_text(json.dumps(build_table(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {TABLE.name}")
