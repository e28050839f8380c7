"""Pulumi input values in Terraform's names and shapes, and the marks a plan puts beside them.

Names and shapes come from the pulumi_oci classes (terraform_schema): the Python name is
Terraform's, but for the lists the bridge pluralized (terraform_names.json); a one-item block
becomes a one-element list; map keys are data and keep their case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from residency.catalog import CATALOG
from residency.export.terraform_schema import Field, FieldKind, input_fields
from residency.inventory import UNKNOWN, Secret
from residency.inventory.values import snake


def terraform_values(properties: Mapping[str, Any], token: str) -> dict[str, Any]:
    """A resource's inputs (wire names) in Terraform's names and shapes; UNKNOWN and Secret kept."""
    return _values(properties, input_fields(token), token, "")


def terraform_name(token: str, wire: str) -> str:
    """Terraform's name for a top-level input."""
    return _name(token, "", wire, (input_fields(token) or {}).get(wire))


def _values(properties: Mapping[str, Any], fields: Mapping[str, Field] | None, token: str, path: str) -> dict[str, Any]:
    values = {}
    for wire, value in properties.items():
        if wire.startswith("__"):
            continue
        schema = (fields or {}).get(wire)
        name = _name(token, path, wire, schema)
        values[name] = _value(value, schema, token, f"{path}{schema.python_name if schema else snake(wire)}.")
    return values


def _name(token: str, path: str, wire: str, schema: Field | None) -> str:
    python_name = schema.python_name if schema else snake(wire)
    return CATALOG.terraform_name(token, path + python_name) or python_name


def _value(value: Any, schema: Field | None, token: str, path: str) -> Any:
    if isinstance(value, Secret):
        return Secret(_value(value.value, schema, token, path))
    if value is UNKNOWN or schema is None or schema.kind not in (FieldKind.BLOCK, FieldKind.BLOCKS):
        return value
    nested = schema.nested_fields()
    if schema.kind is FieldKind.BLOCK and isinstance(value, Mapping):
        return [_values(value, nested, token, path)]
    if isinstance(value, list):
        return [_value_item(item, nested, token, path) for item in value]
    return value


def _value_item(item: Any, nested: Mapping[str, Field], token: str, path: str) -> Any:
    if isinstance(item, Secret):
        return Secret(_value_item(item.value, nested, token, path))
    return _values(item, nested, token, path) if isinstance(item, Mapping) else item


def split_marks(value: Any) -> tuple[Any, Any, Any]:
    """(the known value, its after_unknown marks, its after_sensitive marks); marks are None
    where there is nothing to mark."""
    if isinstance(value, Secret):
        known, unknown, _ = split_marks(value.value)
        return known, unknown, True
    if value is UNKNOWN:
        return None, True, None
    if isinstance(value, Mapping):
        parts = {key: split_marks(item) for key, item in value.items()}
        known = {key: part[0] for key, part in parts.items() if part[1] is not True}
        unknown = {key: part[1] for key, part in parts.items() if part[1]}
        sensitive = {key: part[2] for key, part in parts.items() if part[2]}
        return known, unknown or None, sensitive or None
    if isinstance(value, list):
        parts = [split_marks(item) for item in value]
        unknown = [part[1] or False for part in parts]
        sensitive = [part[2] or False for part in parts]
        return [part[0] for part in parts], unknown if any(unknown) else None, sensitive if any(sensitive) else None
    return value, None, None
