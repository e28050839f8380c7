"""The fields of a Terraform plan that the plan reader reads, decoded without the rest.

A plan holds each value up to three times: in `planned_values`, in each change's `before` and
`after`, and as the configuration's constants. The reader needs the first once; of a change only
its actions and marks (and `after` where `planned_values` leaves the resource out); of the
configuration only which attributes each resource sets and what they refer to. msgspec decodes
into the shapes below, building those fields and skipping the others, and each resource's
expressions are cut to their references as soon as they are decoded: a 100,000-resource plan is
read in about half the memory the whole document takes (benchmarks/terraform_speed.py).

`plan_document` gives the reader the same plain document the standard parser would, less what it
never reads; a plan that does not fit these shapes is parsed whole, for the reader's own checks
to name what is wrong.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, Raw, UnsetType

from residency.catalog import CATALOG
from residency.inputs import MAX_NESTING, nesting_bound, parse_json, parse_json_shaped

# An attribute whose expression refers to nothing (a constant): one shared value for all.
NO_REFERENCES: dict[str, Any] = {}


class References(dict):
    """A resource's configuration expressions, attribute -> `{"references": [...]}` or NO_REFERENCES."""

    __slots__ = ()


class _Fields(msgspec.Struct):
    def plain(self) -> dict[str, Any]:
        """As the standard parser gives it: the fields the document has, absent ones left out."""
        return {name: value for name in self.__struct_fields__ if (value := getattr(self, name)) is not UNSET}


class _ChangeBody(_Fields):
    actions: Any = UNSET
    after: Raw | UnsetType = UNSET  # decoded only for a resource planned_values leaves out
    after_unknown: Any = UNSET
    after_sensitive: Any = UNSET


class _Change(_Fields):
    address: Any = UNSET
    mode: Any = UNSET
    type: Any = UNSET
    name: Any = UNSET
    module_address: Any = UNSET
    change: _ChangeBody | UnsetType = UNSET


class _ConfigResource(_Fields):
    address: Any = UNSET
    mode: Any = UNSET
    type: Any = UNSET
    name: Any = UNSET
    provider_config_key: Any = UNSET
    pulumi_type: Any = UNSET  # the Pulumi type `residency export` keeps (terraform_plan.PULUMI_TYPE)
    expressions: References | UnsetType = UNSET


class _ModuleCall(_Fields):
    source: Any = UNSET
    expressions: Any = UNSET  # kept whole: a provider's region may be passed down through them
    module: _ConfigModule | UnsetType = UNSET

    def plain(self) -> dict[str, Any]:
        fields = super().plain()
        if "module" in fields:
            fields["module"] = fields["module"].plain()
        return fields


class _ConfigModule(_Fields):
    resources: list[_ConfigResource] | UnsetType = UNSET
    module_calls: dict[str, _ModuleCall] | UnsetType = UNSET
    variables: Any = UNSET  # which are sensitive: a finding never shows their values

    def plain(self) -> dict[str, Any]:
        fields = super().plain()
        resources = fields.get("resources")
        for index, resource in enumerate(resources or ()):  # in place: each shape is freed as it is replaced
            resources[index] = resource.plain()
        if "module_calls" in fields:
            fields["module_calls"] = {name: call.plain() for name, call in fields["module_calls"].items()}
        return fields


class _Configuration(_Fields):
    provider_config: Any = UNSET
    root_module: _ConfigModule | UnsetType = UNSET

    def plain(self) -> dict[str, Any]:
        fields = super().plain()
        if "root_module" in fields:
            fields["root_module"] = fields["root_module"].plain()
        return fields


class _Plan(_Fields):
    format_version: Any = UNSET
    terraform_version: Any = UNSET
    variables: Any = UNSET
    planned_values: Any = UNSET
    resource_changes: list[_Change] | UnsetType = UNSET
    configuration: _Configuration | UnsetType = UNSET

    def plain(self) -> dict[str, Any]:
        fields = super().plain()
        if "configuration" in fields:
            fields["configuration"] = fields["configuration"].plain()
        changes = fields.get("resource_changes")
        for index, change in enumerate(changes or ()):  # in place: each shape is freed as it is replaced
            changes[index] = change.plain()
            if "change" in changes[index]:
                changes[index]["change"] = changes[index]["change"].plain()
        return fields

    def decode_afters(self) -> None:
        """Each change's `after` decoded where planned_values leaves its resource out, and dropped
        elsewhere: then nothing refers into the plan's bytes any more."""
        planned_values = self.planned_values if isinstance(self.planned_values, dict) else {}
        planned = planned_addresses(planned_values.get("root_module"))
        for change in self.resource_changes or ():
            body = change.change
            if body is UNSET or body.after is UNSET:
                continue
            needed = not (isinstance(change.address, str) and change.address in planned)
            body.after = msgspec.json.decode(body.after) if needed else UNSET


def plan_document(data: bytes, file: str) -> Any:
    """The plan's JSON as the reader reads it (see the module's doc), or an InputError naming the
    file. The caller hands over `data`: it is freed once decoded, before the plain copies are made."""
    shaped = parse_json_shaped(data, _Plan, file=file, what="valid JSON", dec_hook=_expressions)
    if not isinstance(shaped, _Plan):
        return shaped  # not the shape of a plan: parsed whole
    try:
        with nesting_bound(MAX_NESTING):
            shaped.decode_afters()
    except (msgspec.MsgspecError, RecursionError):  # a change's `after` the standard parser reads otherwise
        del shaped
        return parse_json(data, file=file, what="valid JSON")
    del data
    return shaped.plain()


def references_in(expression: Any) -> list[str]:
    """Every reference in an attribute's expression, blocks included, but for the fields of its blocks
    that take the OCID of something region-less (a nested `compartment_id`): where those come from
    ties the block to no region (as the HCL reader reads it)."""
    found: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            references = node.get("references")
            if isinstance(references, list):
                found.extend(r for r in references if isinstance(r, str))
            stack.extend(value for key, value in node.items()  # a constant refers to nothing
                         if key not in ("references", "constant_value") and isinstance(value, (dict, list))
                         and not CATALOG.names_region_less(key))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, (dict, list)))
    return found


def _expressions(kind: type, value: Any) -> Any:
    """msgspec's hook: a resource's expressions, each cut to its references once decoded."""
    if kind is not References or not isinstance(value, dict):
        # msgspec lets a NotImplementedError out; a TypeError becomes its ValidationError: the plan is parsed whole
        raise TypeError("not a resource's expressions")
    cut = References()
    for attribute, expression in value.items():
        if type(expression) is dict and len(expression) == 1 and "constant_value" in expression:
            cut[attribute] = NO_REFERENCES
        else:
            found = references_in(expression)
            cut[attribute] = {"references": found} if found else NO_REFERENCES
    return cut


def planned_addresses(root: Any) -> set[str]:
    """The address of every resource in planned_values' modules (from its root module)."""
    found: set[str] = set()
    modules = [root]
    while modules:
        module = modules.pop()
        if not isinstance(module, dict):
            continue
        resources = module.get("resources")
        for resource in resources if isinstance(resources, list) else ():
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                found.add(resource["address"])
        children = module.get("child_modules")
        modules.extend(children if isinstance(children, list) else ())
    return found
