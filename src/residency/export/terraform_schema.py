"""Terraform's names and shapes for pulumi-oci inputs, read from the installed pulumi_oci classes.

pulumi-oci is bridged from terraform-provider-oci, so each Args class mirrors a Terraform schema:
a property's Python name is the Terraform argument (but for the lists the bridge pluralized, see
terraform_names.json), and its annotation tells a value, a map, a list, a one-item block (a bare
object in Pulumi, a one-element list in Terraform) and a list of blocks apart.
"""

from __future__ import annotations

import collections.abc
import enum
import importlib
import json
import re
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pulumi_oci


class FieldKind(enum.Enum):
    VALUE = "value"
    MAP = "map"  # keys are data (tags), never renamed
    LIST = "list"  # of values
    BLOCK = "block"  # one nested object: a one-element list in Terraform
    BLOCKS = "blocks"  # a list of nested objects


@dataclass(frozen=True)
class Field:
    python_name: str  # snake_case, as pulumi_oci names it
    kind: FieldKind
    module: str  # the pulumi_oci module whose _inputs define nested classes
    nested: str | None = None  # the Args class of a block's objects

    def nested_fields(self) -> dict[str, Field]:
        if self.nested is None:
            return {}
        return class_fields(self.module, self.nested)


@cache
def pulumi_classes() -> dict[str, tuple[str, str]]:
    """token -> (module, class name), from pulumi_oci's own registration table."""
    source = Path(pulumi_oci.__file__).read_text(encoding="utf-8")
    modules = json.loads(re.search(r'resource_modules="""(.*?)"""', source, re.DOTALL).group(1))
    return {token: (m["fqn"], cls) for m in modules for token, cls in m["classes"].items()}


def input_fields(token: str) -> dict[str, Field] | None:
    """Wire (camelCase) name -> field of a resource's inputs; None for a token pulumi_oci lacks."""
    found = pulumi_classes().get(token)
    if found is None:
        return None
    module, class_name = found
    return class_fields(module, class_name + "Args", resource_module=True)


@cache
def class_fields(module: str, class_name: str, resource_module: bool = False) -> dict[str, Field]:
    source = importlib.import_module(module if resource_module else module + "._inputs")
    cls = getattr(source, class_name)
    fields = {}
    for name, prop in vars(cls).items():
        if isinstance(prop, property) and hasattr(prop.fget, "_pulumi_name"):
            kind, nested = _shape(prop.fget.__annotations__.get("return"))
            fields[prop.fget._pulumi_name] = Field(name, kind, module, nested)
    return fields


def _shape(annotation: typing.Any) -> tuple[FieldKind, str | None]:
    core = _unwrap(annotation)
    origin = typing.get_origin(core)
    if origin in (collections.abc.Sequence, list):
        element = _unwrap(typing.get_args(core)[0])
        if isinstance(element, typing.ForwardRef):
            return FieldKind.BLOCKS, element.__forward_arg__
        return FieldKind.LIST, None
    if origin in (collections.abc.Mapping, dict):
        return FieldKind.MAP, None
    if isinstance(core, typing.ForwardRef):
        return FieldKind.BLOCK, core.__forward_arg__
    return FieldKind.VALUE, None


def _unwrap(annotation: typing.Any) -> typing.Any:
    """The type inside `pulumi.Input[Optional[...]]`: without None, awaitables and outputs."""
    while typing.get_origin(annotation) is typing.Union:
        kept = [
            a for a in typing.get_args(annotation)
            if a is not type(None)
            and typing.get_origin(a) is not collections.abc.Awaitable
            and not (isinstance(a, typing.ForwardRef) and a.__forward_arg__.startswith("Output"))
        ]
        if len(kept) != 1:
            return annotation
        annotation = kept[0]
    return annotation
