"""The exposure catalogue (exposure.yaml): which fields of which OCI resource types put them within
reach of the internet, which values mean public, and what OCI does when a field is absent."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from residency.catalog.catalog import CATALOG
from residency.inventory.values import as_declared

KINDS = ("boolean", "values", "cidr", "allowlist", "required", "subnet", "exists")
DEFAULTS = ("public", "private", "subnet")


@dataclass(frozen=True)
class ExposureField:
    kind: str
    means: str
    path: str | None = None  # None for `exists`
    public: Any = None  # boolean: the public value; values: the public values
    default: str | None = None  # public | private | subnet; None where absence says nothing
    subnet: str | None = None  # boolean with default subnet: the field naming the subnet
    unless: dict[str, Any] = field(default_factory=dict)  # field -> True (when true) or "set" (when present)
    type: str | None = None  # cidr: the sibling field that says the value is a CIDR block
    only: dict[str, str] = field(default_factory=dict)

    def is_public(self, value: Any) -> bool | None:
        """Whether a known value is public; None when it is not a value of the field's kind."""
        if self.kind == "boolean":
            converted = as_bool(value)
            return None if converted is None else converted == self.public
        if self.kind == "values":
            return str(value).lower() in {str(v).lower() for v in self.public}
        if self.kind in ("cidr", "allowlist"):
            return is_everywhere(value)
        raise ValueError(f"{self.kind} fields are not decided by one value")


@dataclass(frozen=True)
class ExposureType:
    token: str
    terraform: str
    fields: tuple[ExposureField, ...]
    protected_by: str | None = None


def as_bool(value: Any) -> bool | None:
    """A bool as the provider converts it (`as_declared`: "true"/"false" and "1"/"0" are bools);
    anything else is not a bool."""
    converted = as_declared(value, "bool")
    return converted if isinstance(converted, bool) else None


def is_everywhere(value: Any) -> bool:
    """A network that holds every address: 0.0.0.0/0, ::/0 (or written otherwise, `0.0.0.0/0.0.0.0`).
    A private range, a single address or anything that is not a network (an OCID, a service
    name) is not everywhere."""
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0


def field_segments(token: str, path: str, naming: str) -> tuple[str, ...]:
    """The path's segments in the source's names: Terraform spells some lists in the singular
    where pulumi-oci pluralized them (terraform_names.json)."""
    segments = [segment.removesuffix("[]") for segment in path.split(".")]
    if naming != "terraform":
        return tuple(segments)
    renamed = []
    for index, segment in enumerate(segments):
        prefix = ".".join(segments[: index + 1])
        renamed.append(CATALOG.terraform_name(token, prefix) or segment)
    return tuple(renamed)


def terraform_path(token: str, path: str) -> str:
    """A field path in pulumi-oci's snake_case names (`client_cidr_block_allow_lists[0]`) in
    Terraform's (`client_cidr_block_allow_list[0]`), so a finding names the same property in
    every engine."""
    segments, plain = [], []
    for segment in path.split("."):
        name, bracket, index = segment.partition("[")
        plain.append(name)
        renamed = CATALOG.terraform_name(token, ".".join(plain)) or name
        segments.append(renamed + bracket + index)
    return ".".join(segments)


class ExposureCatalog:
    def __init__(self, data: dict):
        self.types = {
            token: ExposureType(
                token=token,
                terraform=entry["terraform"],
                protected_by=entry.get("protected_by"),
                fields=tuple(
                    ExposureField(**{**f, "unless": dict(f.get("unless", {})), "only": dict(f.get("only", {}))})
                    for f in entry["fields"]
                ),
            )
            for token, entry in data["exposures"].items()
        }
        self.never: dict[str, str] = dict(data.get("never", {}))
        # asked for every resource of a type: each field's segments in both namings, worked out once
        self._segments = {
            (token, f.path, naming): field_segments(token, f.path, naming)
            for token, entry in self.types.items() for f in entry.fields if f.path is not None
            for naming in ("pulumi", "terraform")
        }

    def get(self, token: str) -> ExposureType | None:
        return self.types.get(token)

    def segments(self, token: str, path: str, naming: str) -> tuple[str, ...]:
        """`field_segments` of one of the catalogue's fields."""
        found = self._segments.get((token, path, naming))
        return found if found is not None else field_segments(token, path, naming)


@cache
def exposure_catalog() -> ExposureCatalog:
    text = resources.files(__package__).joinpath("exposure.yaml").read_text()
    return ExposureCatalog(YAML(typ="safe").load(text))
