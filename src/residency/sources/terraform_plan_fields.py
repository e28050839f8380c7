"""The fields of a Terraform plan that the plan reader reads, decoded without the rest.

A plan holds each value up to three times: in `planned_values`, in each change's `before` and
`after`, and as the configuration's constants. The reader needs the first once; of a change only
its actions and marks (and `after` where `planned_values` leaves the resource out); of the
configuration only which attributes each resource sets and what they refer to. msgspec builds
each member the reader reads into its shape below in one pass over the file (the pass that tells
its format), building those fields and skipping the others; each resource's expressions are cut
to their references as soon as they are decoded. planned_values, whose values
take four times their bytes once built, is built last, from a copy of its own bytes once the
file's are freed: the file's bytes and all they decode to are never held at once.

`plan_document` gives the reader the same plain document the standard parser would, less what it
never reads, with its changes indexed by address where all are as Terraform writes them
(ChangeIndex); a plan that does not fit these shapes is parsed whole, for the reader's own checks
to name what is wrong.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, TypedDict

import msgspec
from msgspec import Raw

from residency.catalog import CATALOG
from residency.inputs import MAX_NESTING, json_object_members, json_object_of_shape, nesting_bound, parse_json

# An attribute whose expression refers to nothing (a constant): one shared value for all.
NO_REFERENCES: dict[str, Any] = {}
# The keys of an attribute's expression (a block's is an object of its attributes' expressions instead).
EXPRESSION_KEYS = frozenset({"references", "constant_value"})


class References(dict):
    """A resource's configuration expressions, attribute -> `{"references": [...]}` (never empty)
    or NO_REFERENCES; `referring`: the attributes of the first kind, in order (most attributes are
    constants: their readers need not look at each)."""

    __slots__ = ("referring",)


# Each shape is a TypedDict: msgspec builds it as the plain dict the standard parser would give,
# with only the keys named here, so the reader reads one kind of document whichever parser read it.
class _ChangeBody(TypedDict, total=False):
    actions: Any
    after: Raw  # decoded only for a resource planned_values leaves out
    after_unknown: Any
    after_sensitive: Any


class _Change(TypedDict, total=False):
    address: Any
    mode: Any
    type: Any
    name: Any
    module_address: Any
    change: _ChangeBody


class _ConfigResource(TypedDict, total=False):  # not its address: the reader finds it by type and name
    mode: Any
    type: Any
    name: Any
    provider_config_key: Any
    pulumi_type: Any  # the Pulumi type `residency export` keeps (terraform_plan.PULUMI_TYPE)
    expressions: References


class _ModuleCall(TypedDict, total=False):
    source: Any
    expressions: Any  # kept whole: a provider's region may be passed down through them
    module: _ConfigModule


class _ConfigModule(TypedDict, total=False):
    resources: list[_ConfigResource]
    module_calls: dict[str, _ModuleCall]
    variables: Any  # which are sensitive: a finding never shows their values


class _Configuration(TypedDict, total=False):
    provider_config: Any
    root_module: _ConfigModule


class _PlannedAddress(TypedDict, total=False):
    address: Any


class _PlannedAddresses(TypedDict, total=False):
    resources: list[_PlannedAddress]
    child_modules: list[_PlannedAddresses]


class _PlannedValues(TypedDict, total=False):
    root_module: _PlannedAddresses


# planned_values as the reader reads it: a resource's schema version, provider and sensitive_values
# (the changes mark what is sensitive) are never read.
class _PlannedResource(TypedDict, total=False):
    address: Any
    mode: Any
    type: Any
    name: Any
    values: Any


class _PlannedModule(TypedDict, total=False):
    address: Any
    resources: list[_PlannedResource]
    child_modules: list[_PlannedModule]


class _Planned(TypedDict, total=False):
    root_module: _PlannedModule


class _Plan(TypedDict, total=False):
    format_version: Any
    terraform_version: Any
    variables: Any
    planned_values: Raw  # built once the file's bytes are freed (plan_document)
    resource_changes: list[_Change]
    configuration: _Configuration


# The actions Terraform writes: lists of strings (one equal to one of these holds strings only).
USUAL_ACTIONS = (["create"], ["no-op"], ["update"], ["read"], ["delete"], ["delete", "create"],
                 ["create", "delete"], ["forget"])


def usual_change(address: Any, body: Any) -> bool:
    """A change as Terraform writes it: an address, and a body whose actions are absent or one of
    USUAL_ACTIONS (known without a look at each); any other is left to the reader's checks."""
    return type(address) is str and type(body) is dict and ((actions := body.get("actions")) is None
                                                           or actions in USUAL_ACTIONS)


class ChangeIndex(dict):
    """A plan's resource_changes by address, each an object with an address and a body whose actions
    are absent or USUAL_ACTIONS (a change listed twice: the last), in the order of their first
    listing: indexed as they are decoded, one pass over them fewer for the reader. `unchanged`: the
    addresses planned_values lists that no change does (most often none), so that the reader has
    every planned address without a walk of planned_values."""

    __slots__ = ("unchanged",)

    def __init__(self) -> None:
        super().__init__()
        self.unchanged: set[str] = set()


class PlanBytes:
    """A plan file's bytes and, where they have been read (to tell the file's format), its top-level
    members: built as plan_members builds them (`plan`), or else unbuilt (`members`); handed over
    to plan_document, which takes them all and frees them as it reads."""

    __slots__ = ("data", "members", "plan")

    def __init__(self, data: bytes, members: dict[str, Raw] | None = None, plan: dict[str, Any] | None = None):
        self.data: bytes | None = data
        self.members = members
        self.plan = plan

    def take(self) -> tuple[bytes, dict[str, Raw] | None, dict[str, Any] | None]:
        data, members, plan = self.data, self.members, self.plan
        if data is None:
            raise ValueError("a plan's bytes are read once")
        self.data = self.members = self.plan = None
        return data, members, plan


def plan_document(handed: PlanBytes, file: str) -> Any:
    """The plan's JSON as the reader reads it (see the module's doc), or an InputError naming the
    file. The file's bytes are freed before planned_values is built (its values take four times
    their bytes), so the bytes and all they decode to are never held at once."""
    data, members, plan = handed.take()
    if plan is None and members is None:
        plan = plan_members(data)
    if plan is None:  # not of the shape in one pass: member by member, as the format was told
        if members is None:
            members = json_object_members(data)
        plan = None if members is None else _members_decoded(members)
        del members  # views of the file's bytes: those the plan needs are in it
    else:
        for key in plan.keys() - _MEMBER_SHAPES.keys():  # members read to tell the format by
            del plan[key]
    if plan is None or not _afters_decoded(plan):
        del plan  # not the shape of a plan: parsed whole, for the reader's checks to name the place
        return parse_json(data, file=file, what="valid JSON")
    planned = bytes(plan.pop("planned_values")) if "planned_values" in plan else None
    del data  # with planned_values copied out, nothing refers to the file's bytes any more
    if planned is not None:
        plan["planned_values"] = _decode_planned(planned, file)
    return plan


_MEMBER_SHAPES = typing.get_type_hints(_Plan)


def _members_decoded(members: dict[str, Raw]) -> dict[str, Any] | None:
    """Each member the reader reads built into its shape (planned_values kept as its text), the
    others left unbuilt; None where one is not of its shape."""
    plan: dict[str, Any] = {}
    try:
        with nesting_bound(MAX_NESTING):
            for key, text in members.items():
                shape = _MEMBER_SHAPES.get(key)
                if shape is Raw:
                    plan[key] = text
                elif shape is not None:
                    plan[key] = msgspec.json.decode(text, type=shape, dec_hook=_expressions)
    except (msgspec.MsgspecError, RecursionError):
        return None
    return plan


def plan_members(data: bytes, telling: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """The members the reader reads, each built into its shape (planned_values kept as its text), in
    one pass over the file's bytes; the members named in `telling` (which tell a document's format)
    kept unbuilt, the others skipped. None where `data` is not of that shape, or not read
    (json_object_members): member by member, a duplicate member of another shape is overwritten."""
    return json_object_of_shape(data, _document_shape(telling), dec_hook=_expressions)


@functools.cache
def _document_shape(telling: frozenset[str]) -> type:
    members = {**dict.fromkeys(telling, Raw), **_MEMBER_SHAPES}
    return TypedDict("_Document", members, total=False)  # type: ignore[operator]


def _afters_decoded(plan: dict[str, Any]) -> bool:
    """Each change's `after` decoded where planned_values leaves its resource out, and dropped
    elsewhere; the changes indexed as they are read (ChangeIndex) where all are as Terraform writes
    them. False when planned_values or an `after` is not of the shape of one."""
    try:
        with nesting_bound(MAX_NESTING):
            # only the addresses: all of planned_values is built once the file's bytes are freed
            planned_values = msgspec.json.decode(plan.get("planned_values", b"{}"), type=_PlannedValues)
            planned = planned_addresses(planned_values.get("root_module"))
            index: ChangeIndex | None = ChangeIndex()
            for change in plan.get("resource_changes") or ():
                body, address = change.get("change"), change.get("address")
                if index is not None:
                    if usual_change(address, body):
                        index[address] = change
                    else:
                        index = None  # the reader's own checks name what is wrong
                if body is None or "after" not in body:
                    continue
                if type(address) is str and address in planned:
                    del body["after"]
                else:
                    body["after"] = msgspec.json.decode(body["after"])
    except (msgspec.MsgspecError, RecursionError):
        return False
    if index is not None:
        index.unchanged = planned.difference(index)
        plan["resource_changes"] = index
    return True


def _decode_planned(planned: bytes, file: str) -> Any:
    """planned_values, already checked as part of the whole, in its shape (_Planned). One of another
    shape is parsed whole, for the reader's checks to name the place; a number msgspec skips but
    cannot build (`1e400`) is read as the standard parser reads the whole plan (infinity)."""
    try:
        with nesting_bound(MAX_NESTING):
            return msgspec.json.decode(planned, type=_Planned)
    except (msgspec.MsgspecError, RecursionError):
        return parse_json(planned, file=file, what="valid JSON")


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


def cut_expressions(expressions: dict[str, Any]) -> References:
    """A resource's expressions cut to their references."""
    cut = References.fromkeys(expressions, NO_REFERENCES)
    referring = []
    for attribute, expression in expressions.items():
        if type(expression) is dict:
            if "constant_value" in expression and len(expression) == 1:
                continue  # a constant (most attributes): it refers to nothing
            if "references" not in expression:
                if not expression:
                    continue
                found = references_in(expression)  # a block
            elif expression.keys() <= EXPRESSION_KEYS:
                # an expression, not a block: its references read without a walk
                references = expression["references"]
                found = [r for r in references if isinstance(r, str)] if isinstance(references, list) else None
            else:
                found = references_in(expression)
        else:
            found = references_in(expression)
        if found:
            cut[attribute] = {"references": found}
            referring.append(attribute)
    cut.referring = tuple(referring)
    return cut


def _expressions(kind: type, value: Any) -> Any:
    """msgspec's hook: a resource's expressions, each cut to its references once decoded."""
    if kind is not References or not isinstance(value, dict):
        # msgspec's ValidationError (from a TypeError): not of the shape, the plan is parsed whole
        raise TypeError("expected the expressions of a resource")
    return cut_expressions(value)


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
