"""A Terraform plan (`terraform show -json PLANFILE`) -> inventory.

Values come from `planned_values`; what is known only after apply from `resource_changes`'
`after_unknown`, what is sensitive from `after_sensitive`. A resource to be created or updated
that `resource_changes` lists but `planned_values` does not is read from its change. The
`configuration` block says which provider configuration each resource uses
(`provider_config_key`), what that configuration's region is, and which resources each attribute
refers to.

An attribute the configuration does not set but the provider computes (OCI marks many optional
attributes computed, so a plan shows them as unknown) is left out, as it is absent from a Pulumi
program's inputs: only what the configuration sets can move data. A nested block unknown in part
is kept (what it holds cannot be proven). One unknown as a whole that the configuration does not
set is a `dynamic` block (the plan's configuration does not show those) when the provider does not
compute it: kept when it moves data or holds references (catalogue: nested_blocks.json), so its
rule gives an unproven finding. One the provider computes cannot be told from a `dynamic` block:
where it could move data, the inventory's notes say so. Without a configuration block nothing
is left out. References across modules, which Terraform itself routes through module variables,
may be written as absolute addresses (`module.a.oci_kms_key.k`); `residency export` writes them so.

Reading is linear in the plan: every lookup goes through an index built once, and the cyclic
garbage collector is paused while the plan is read. The document is the reader's own: values are
marked where they are, and each planned resource and change is freed once read, so that what
reading holds at once stays close to what the document takes (benchmarks/terraform_speed.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from residency.catalog import CATALOG
from residency.errors import InputError
from residency.inputs import MAX_NESTING, collector_paused, read_bytes
from residency.inventory import UNKNOWN, Inventory, Origin, Secret, SourceInfo, SourceLocation
from residency.sources.json_file import expect_list, expect_mapping
from residency.sources.terraform_graph import (
    NO_DEPENDENCIES,
    NO_ORIGINS,
    ProviderConfig,
    ResourceBuilder,
    TerraformRecord,
)
from residency.sources.terraform_plan_fields import (
    ChangeIndex,
    PlanBytes,
    References,
    cut_expressions,
    plan_document,
    planned_addresses,
    references_in,
    usual_change,
)

MODULE_PART = re.compile(r'module\.([^.\[]+)(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?')
RESOURCE_REFERENCE = re.compile(r'^((?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*)([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)(\[[^\]]*\])?')
INDEX = re.compile(r"\[[^\]]*\]")
DATA_ADDRESS = re.compile(r"(^|\.)data\.[^.]+\.[^.]+$")
# What a reference names besides a resource's address (_written_address), and a reference not yet read.
VARIABLE, DATA_READ, UNREAD = "var.", "data.", object()
NOT_RESOURCES = {"var", "local", "data", "module", "count", "each", "path", "terraform", "self"}
SKIPPED_ACTIONS = (["delete"], ["forget"])
NO_CHANGE: Mapping[str, Any] = MappingProxyType({})  # the change of a resource resource_changes does not list
NO_MARKS: Mapping[str, Any] = MappingProxyType({})  # nothing unknown, or nothing sensitive (`false`, `{}`, absent)
# The resources of a module the configuration does not show, by type, then name.
NO_CONFIGURATION: Mapping[str, Mapping[str, dict]] = MappingProxyType({})
DEPLOYED_ACTIONS = ("create", "update")
MODES = ("managed", "data")
# Beside a resource's configuration, the Pulumi type `residency export` exported it from; Terraform
# writes no such key. It names the type the policy's non_moving_types and StackReferences go by.
PULUMI_TYPE = "pulumi_type"


@dataclass(slots=True)  # not frozen, which would make each one slower to build; never changed once built
class _Configured:
    """What the instances (count, for_each) of one resource configuration in one module instance
    share, read once for all of them."""

    config: Mapping[str, Any] | None
    module: str  # the module instance's address
    expressions: References | None  # attribute -> its references: what the configuration sets
    provider: str | None  # the key of its provider configuration
    inherited: bool
    references: Mapping[str, tuple[str, ...]]  # attribute -> the absolute addresses it refers to
    origins: Mapping[str, tuple[Origin, ...]]  # attribute -> the variables behind it
    token: str | None  # the Pulumi type `residency export` wrote (PULUMI_TYPE)


# A resource the plan's configuration does not show: nothing is known of what it sets.
UNCONFIGURED = _Configured(None, "", None, None, False, NO_DEPENDENCIES, NO_ORIGINS, None)


def load_plan(path: Path, handed: PlanBytes | None = None) -> Inventory:
    """The plan at `path`; `handed`: its bytes, already read (and handed over: they are freed as
    they are read)."""
    with collector_paused():
        # The document is freed as _inventory returns, before the collector resumes: resumed first,
        # it would walk the whole document once more only to find nothing to collect.
        return _inventory(path, handed)


def _inventory(path: Path, handed: PlanBytes | None) -> Inventory:
    plan = _Plan(read_plan(path, handed), path)
    try:
        builder = ResourceBuilder(plan.providers())
        plan.add_resources(builder)
        data_sources = list(plan.data_sources())
    except RecursionError:
        raise InputError(f"a value nests more than {MAX_NESTING} levels deep", file=str(path)) from None
    source = SourceInfo(kind="terraform-plan", path=str(path), notes=plan.notes)
    del plan  # the rest of the document (its values are the resources' now) is freed before the inventory is built
    return builder.inventory(source, data_sources)


def read_plan(path: Path, handed: PlanBytes | None = None) -> dict[str, Any]:
    shown = str(path)
    # only the fields the reader reads (terraform_plan_fields): a large plan is never held whole
    document = plan_document(handed or PlanBytes(read_bytes(path, shown)), shown)
    if not isinstance(document, dict) or "terraform_version" not in document:
        raise InputError(
            "not a Terraform plan: expected the JSON of `terraform show -json PLANFILE`, with terraform_version",
            file=shown,
        )
    if not isinstance(document.get("planned_values"), dict):
        raise InputError(
            "no planned_values: expected a plan (`terraform show -json PLANFILE`), not a state", file=shown, key="planned_values"
        )
    return document


class _Plan:
    def __init__(self, document: dict[str, Any], path: Path):
        self._document = document
        self._file = str(path)
        self._location = SourceLocation(path.name)
        self._unseen: list[str] = []
        configuration = expect_mapping(document.get("configuration"), self._file, "configuration")
        self._provider_config = expect_mapping(configuration.get("provider_config"), self._file, "configuration.provider_config")
        self._config_root = expect_mapping(configuration.get("root_module"), self._file, "configuration.root_module")
        self._config_modules: dict[str, Mapping[str, Any] | None] = {}
        self._config_indices: dict[int, dict[str, dict[str, dict]]] = {}
        self._variables = expect_mapping(document.get("variables"), self._file, "variables")
        self._addresses: set[str] = set()  # read from planned_values
        # Looked up once per plan rather than once per resource: what a module's provider key, a
        # reference and an unset unknown attribute of a type resolve to (references to one resource
        # then share its address).
        self._provider_keys: dict[tuple[str, str], tuple[str | None, bool]] = {}
        self._unset_kinds: dict[str, dict[str, tuple[bool, bool]]] = {}  # by type, then attribute
        self._written: dict[str, str | None] = {}  # a reference -> what it names as written (_written_address)
        self._last_configured: _Configured | None = None  # the configuration of the resource read last
        changes = document.pop("resource_changes", None)  # held by the index alone, each change is freed once read
        if type(changes) is ChangeIndex:  # indexed as the plan was decoded
            self._changes: dict[str, dict] = changes
        else:
            self._changes = {}
            self._index_changes(expect_list(changes, self._file, "resource_changes"))
        self._planned_addresses = _planned(self._document["planned_values"].get("root_module"), self._changes)

    def _index_changes(self, changes: list) -> None:
        indexed = self._changes
        for index, change in enumerate(changes):
            if type(change) is dict and usual_change(address := change.get("address"), change.get("change")):
                indexed[address] = change
            else:
                self._index_change(index, change)
        changes.clear()  # the document is the reader's own

    def _index_change(self, index: int, change: Any) -> None:
        if not isinstance(change, dict) or not isinstance(change.get("address"), str):
            raise InputError("expected a resource change with an address", file=self._file, key=f"resource_changes[{index}]")
        body = change.get("change")
        if body is None:
            change["change"] = body = {}  # the document is the reader's own: no copy per change
        elif not isinstance(body, dict):
            raise InputError("expected an object", file=self._file, key=f"resource_changes[{index}].change")
        actions = body.get("actions")
        if actions is not None and not (isinstance(actions, list) and all(isinstance(a, str) for a in actions)):
            raise InputError("expected a list of actions", file=self._file, key=f"resource_changes[{index}].change.actions")
        self._changes[change["address"]] = change

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._unseen)

    def providers(self) -> dict[str, ProviderConfig]:
        configs = {}
        for key, entry in self._provider_config.items():
            where = f"configuration.provider_config.{key}"
            if not isinstance(entry, dict):
                raise InputError("expected a provider configuration object", file=self._file, key=where)
            expressions = expect_mapping(entry.get("expressions"), self._file, f"{where}.expressions")
            module_address = entry.get("module_address") or ""
            if not isinstance(module_address, str):
                raise InputError("expected a module address", file=self._file, key=f"{where}.module_address")
            module = _module_parts(module_address)
            region, because = (None, None) if "region" not in expressions else self._value(expressions["region"], module)
            auth, auth_because = (None, None) if "auth" not in expressions else self._value(expressions["auth"], module)
            written = self._variable_origins(references_in(expressions.get("region")), module_address)
            configs[key] = ProviderConfig(key, region, because, auth=auth, auth_unknown_because=auth_because,
                                          origin=f"{written[0].name}, in the variables of {self._location.file}"
                                          if written else None, origins=written)
        return configs

    def add_resources(self, builder: ResourceBuilder) -> None:
        """Each managed resource the plan deploys, built straight from what the plan says of it."""
        root = expect_mapping(self._document["planned_values"].get("root_module"), self._file, "planned_values.root_module")
        self._add_module(builder, root, "")
        self._add_changes_only(builder)

    def _add_module(self, builder: ResourceBuilder, module: Mapping[str, Any], address: str) -> None:
        configs = self._config_resources(address)
        where = f"planned_values ({address or 'root module'})"
        resources = expect_list(module.get("resources"), self._file, where)
        addresses, changes = self._addresses, self._changes
        for index, resource in enumerate(resources):
            resources[index] = None  # freed once read, but for its values (the document is the reader's own)
            if not isinstance(resource, dict) or not isinstance(resource_address := resource.get("address"), str) \
                    or not isinstance(type_ := resource.get("type"), str):
                raise InputError("expected resources with address, type, name and values", file=self._file, key=where)
            read = len(addresses)
            addresses.add(resource_address)
            if len(addresses) == read:  # listed twice: its change is read (and freed) with the first
                raise InputError(f"{resource_address} is listed twice: expected each resource once",
                                 file=self._file, key=where)
            change = changes.pop(resource_address, None)  # freed once read: the rest are changes only
            body = NO_CHANGE if change is None else change["change"]
            if resource.get("mode") != "managed" and _mode(resource, self._file, where) != "managed" \
                    or body.get("actions") in SKIPPED_ACTIONS:
                continue
            self._add(builder, resource_address, type_, resource, body, address, configs)
        for child in expect_list(module.get("child_modules"), self._file, where):
            if not isinstance(child, dict) or not isinstance(child.get("address"), str):
                raise InputError("expected child modules with an address", file=self._file, key=where)
            self._add_module(builder, child, child["address"])

    def _add_changes_only(self, builder: ResourceBuilder) -> None:
        """Creates and updates that `planned_values` leaves out: read from the change itself."""
        for address, change in self._changes.items():  # those planned_values does not list
            body = change["change"]
            if not any(a in DEPLOYED_ACTIONS for a in body.get("actions") or ()):
                continue
            where = f"resource_changes ({address})"
            if _mode(change, self._file, where) != "managed":
                continue
            if not isinstance(change.get("type"), str):
                raise InputError("expected a resource change with a type", file=self._file, key=where)
            module = change.get("module_address") or ""
            if not isinstance(module, str):
                raise InputError("expected a module address", file=self._file, key=f"{where}.module_address")
            resource = {"address": address, "type": change["type"], "name": change.get("name"), "values": body.get("after")}
            self._addresses.add(address)
            self._add(builder, address, change["type"], resource, body, module, self._config_resources(module))

    def _add(self, builder: ResourceBuilder, address: str, type_: str, resource: dict, change: Mapping[str, Any],
             module: str, configs: Mapping[str, Mapping[str, dict]]) -> None:
        """A resource (its address and type read and checked), from its planned values and change."""
        values = resource.get("values")
        if not isinstance(values, dict):
            values = expect_mapping(values, self._file, f"planned_values ({address})")
        unknown, sensitive = change.get("after_unknown"), change.get("after_sensitive")
        # the marks of a resource: an object has attributes to mark, or none (`false` or absent); a
        # resource is never unknown or sensitive as a whole, nor a list
        if not ((unknown is None or unknown is False or isinstance(unknown, dict))
                and (sensitive is None or sensitive is False or isinstance(sensitive, dict))):
            raise InputError("expected an object of attributes", file=self._file,
                             key=f"resource_changes ({address}).change")
        name = resource.get("name")
        config = configs.get(type_, NO_CONFIGURATION).get(name) if isinstance(name, str) else None
        if config is None:
            configured = UNCONFIGURED
        else:
            configured = self._last_configured
            # instances of one configuration (count, for_each) follow one another: read it once for all
            if configured is None or configured.config is not config or configured.module != module:
                configured = self._last_configured = self._configured(config, address, module)
        if unknown or sensitive:
            self._mark(address, type_, values, unknown or NO_MARKS, sensitive or NO_MARKS, configured.expressions)
        builder.add(address, type_, values, configured.provider, configured.inherited, configured.references,
                    self._location, configured.origins, configured.token)

    def _configured(self, config: Mapping[str, Any], address: str, module: str) -> _Configured:
        """What the instances of a resource configuration in one module instance share."""
        token = config.get(PULUMI_TYPE)
        expressions = config.get("expressions")
        if not isinstance(expressions, References):  # parsed whole: cut here
            expressions = cut_expressions(expect_mapping(expressions, self._file, f"configuration ({address})"))
        key = config.get("provider_config_key")
        # the configurations of a module most often share one key: its resolution found without a call
        found = self._provider_keys.get((key, module)) if type(key) is str else None
        provider, inherited = self._provider_key(key, module) if found is None else found
        references, origins = self._references(expressions, module) if expressions.referring else (NO_DEPENDENCIES, NO_ORIGINS)
        return _Configured(config, module, expressions, provider, inherited, references, origins,
                           token if isinstance(token, str) else None)

    def _mark(self, address: str, type_: str, values: dict, unknowns: Mapping[str, Any], secrets: Mapping[str, Any],
              expressions: Mapping[str, Any] | None) -> None:
        """A planned resource's values with UNKNOWN and Secret marked, in place (see _decode), less the
        attributes known only after apply that its configuration (`expressions`; None: not shown) does
        not set (the provider computes them): taken out of `values` with their marks, but for the
        `dynamic` blocks among them (_unset_kind)."""
        unseen = None
        kinds = self._unset_kinds.get(type_) or {}  # what each unset unknown attribute of the type is
        for attribute, mark in unknowns.items():
            secret = secrets.get(attribute)
            if mark is True:
                if expressions is not None and attribute not in expressions and secret is not True:
                    kind = kinds.get(attribute) or self._unset_kind(type_, attribute)
                    if not kind[0]:  # not a dynamic block: computed by the provider
                        values.pop(attribute, None)
                        if kind[1]:
                            unseen = [attribute] if unseen is None else [*unseen, attribute]
                        continue
                values[attribute] = Secret(UNKNOWN) if secret is True else UNKNOWN
            elif attribute in values:
                if mark or secret:  # a plan marks most values `false` or `{}`: nothing to mark
                    values[attribute] = _decode(values[attribute], mark, secret)
            elif _any_true(mark):
                values[attribute] = _decode(None, mark, secret)
        for attribute, secret in secrets.items():
            if secret and attribute not in unknowns and attribute in values:
                values[attribute] = Secret(values[attribute]) if secret is True else _decode(values[attribute], None, secret)
        if unseen is not None:
            for attribute in sorted(unseen):  # notes in a stable order
                self._unseen.append(f"{address}.{attribute} is known only after apply and the plan's "
                                    "configuration does not set it (a dynamic block, or the default the provider "
                                    "computes): check the configuration itself (`residency check DIR`) to prove "
                                    "where it moves data")

    def _references(self, expressions: References,
                    module: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[Origin, ...]]]:
        """Per attribute, the resources and data sources it refers to, and the variables behind it."""
        references, origins = NO_DEPENDENCIES, NO_ORIGINS
        written, addresses = self._written, self._planned_addresses
        for attribute in expressions.referring:
            found: list[str] = []
            reads = variables = None  # most attributes read neither
            last = ""  # the address the reference before named, as written
            for reference in expressions[attribute]["references"]:
                if reference == last:
                    # Terraform lists the resource a reference reads after it ("oci_kms_key.k.id", then
                    # "oci_kms_key.k"): an address names itself, already found
                    continue
                address = written.get(reference, UNREAD)
                if address is UNREAD:  # each reference read once per plan
                    address = written[reference] = _written_address(reference)
                if address is None:
                    continue
                if address is VARIABLE:
                    variables = [reference] if variables is None else [*variables, reference]
                    continue
                if address is DATA_READ:
                    reads = [reference] if reads is None else [*reads, reference]
                    continue
                if not module or address.startswith("module."):
                    resolved = address
                else:
                    # Terraform writes references relative to the module; one that names no resource
                    # there is taken as written, an absolute address
                    relative = f"{module}.{address}"
                    resolved = relative if relative in addresses or address not in addresses else address
                found.append(resolved)
                last = address
            if reads:
                found += [f"{module}.{r}" if module else r for r in _data_reads(reads)]
            if found:
                references = {} if references is NO_DEPENDENCIES else references
                references[attribute] = tuple(found)
            if variables and (origin := self._variable_origins(variables, module)):
                origins = {} if origins is NO_ORIGINS else origins
                origins[attribute] = origin
        return references, origins

    def _variable_origins(self, references: list[str], module: str) -> tuple[Origin, ...]:
        """The root module's variables a value takes (the plan records their values, not the file
        they were written in)."""
        if module or not references:
            return ()
        declared = self._config_root.get("variables")
        found = []
        for name in dict.fromkeys(r.split("[")[0] for r in references if r.startswith("var.")):
            entry = self._variables.get(name.removeprefix("var."))
            value = entry.get("value") if isinstance(entry, dict) else None
            declaration = declared.get(name.removeprefix("var.")) if isinstance(declared, dict) else None
            shown = value if isinstance(value, str) and not (isinstance(declaration, dict)
                                                             and declaration.get("sensitive")) else None
            found.append(Origin("variable", name, self._location.file, None, shown,
                                "is set in the variables of" if value is not None else "has no value in the variables of"))
        return tuple(found)

    def data_sources(self) -> Iterator[TerraformRecord]:
        """The configuration's data blocks, each with its provider configuration (module addresses
        without instance indices: every instance uses the same one)."""
        modules = [("", self._config_root)]
        while modules:
            address, module = modules.pop()
            for config in expect_list(module.get("resources"), self._file, "configuration resources"):
                if isinstance(config, dict) and config.get("mode") == "data" and isinstance(config.get("type"), str) \
                        and isinstance(config.get("name"), str):
                    provider, inherited = self._provider_key(config.get("provider_config_key"), address)
                    prefix = f"{address}." if address else ""
                    yield TerraformRecord(address=f"{prefix}data.{config['type']}.{config['name']}", type=config["type"],
                                          values={}, provider=provider, inherited=inherited, location=self._location)
            calls = module.get("module_calls")
            for name, call in (calls.items() if isinstance(calls, dict) else ()):
                child = call.get("module") if isinstance(call, dict) else None
                if isinstance(child, dict):
                    modules.append((f"{address}.module.{name}" if address else f"module.{name}", child))

    def _unset_kind(self, type_: str, name: str) -> tuple[bool, bool]:
        """Whether an unknown attribute of a type that the plan's configuration does not show can only
        be a `dynamic` block, and whether it could move data.

        The configuration leaves `dynamic` blocks out; a block the provider schema does not compute
        can only be one: kept, so that the rule owning its fields gives an unproven finding. A block
        the provider computes is unknown on every create where it is not set, which a plan cannot
        tell from a `dynamic` block: where it could move data, the notes say so."""
        kinds = self._unset_kinds.setdefault(type_, {})
        kind = kinds.get(name)
        if kind is None:
            token = CATALOG.token(type_) or ""
            block = CATALOG.nested_block(token, name)
            kind = kinds[name] = (block is not None and not block.computed,
                                  block is not None and any(m.segments[0] == name for m in CATALOG.movements(token)))
        return kind

    def _provider_key(self, key: Any, module: str) -> tuple[str | None, bool]:
        """The configuration a resource uses. Terraform points a resource at the configuration a
        module call passes down; one inherited implicitly (the unaliased default) may have no
        entry of its own, so look for it in the calling modules."""
        if not isinstance(key, str):
            return None, False
        found = self._provider_keys.get((key, module))
        if found is None:
            found = self._provider_keys[(key, module)] = self._find_provider(key, module)
        return found

    def _find_provider(self, key: str, module: str) -> tuple[str | None, bool]:
        scope, _, name = key.rpartition(":")
        parts = _module_parts(scope)
        while True:
            candidate = f"{'.'.join(parts)}:{name}" if parts else name
            if candidate in self._provider_config:
                return candidate, _module_parts(INDEX.sub("", module)) != parts
            if not parts:
                return key, False
            parts = parts[:-2]

    def _config_module(self, address: str) -> Mapping[str, Any] | None:
        """The configuration of a module (instances share one), looked up once per module."""
        names = tuple(MODULE_PART.findall(address))
        key = ".".join(names)
        if key not in self._config_modules:
            module: Mapping[str, Any] | None = self._config_root
            for name in names:
                calls = (module or {}).get("module_calls") or {}
                call = calls.get(name) if isinstance(calls, dict) else None
                module = call.get("module") if isinstance(call, dict) else None
                if module is not None and not isinstance(module, dict):
                    raise InputError("expected a module object", file=self._file,
                                     key=f"configuration (module.{key}).module_calls")
            self._config_modules[key] = module
        return self._config_modules[key]

    def _config_resources(self, address: str) -> Mapping[str, Mapping[str, dict]]:
        """The configuration of each managed resource of a module, by type, then name (a key of
        each resource's two would take a tuple per resource)."""
        module = self._config_module(address)
        if module is None:
            return NO_CONFIGURATION
        index = self._config_indices.get(id(module))
        if index is None:
            index = {}
            for config in expect_list(module.get("resources"), self._file, "configuration resources"):
                if not isinstance(config, dict):
                    raise InputError("expected a resource configuration object", file=self._file,
                                     key="configuration resources")
                if config.get("mode", "managed") == "managed" and isinstance(type_ := config.get("type"), str) \
                        and isinstance(name := config.get("name"), str):
                    by_name = index.get(type_)
                    if by_name is None:
                        by_name = index[type_] = {}
                    by_name.setdefault(name, config)
            self._config_indices[id(module)] = index
        return index

    def _value(self, expression: Any, module: list[str]) -> tuple[Any, str | None]:
        """A provider argument's value: a constant, or a variable's value passed down to it."""
        if not isinstance(expression, dict):
            return UNKNOWN, "its expression cannot be read"
        if "constant_value" in expression:
            return expression["constant_value"], None
        references = expression.get("references") or []
        if not isinstance(references, list):
            return UNKNOWN, "its expression cannot be read"
        variables = [r.removeprefix("var.") for r in references if isinstance(r, str) and r.startswith("var.")]
        if len(variables) != 1 or len(references) != 1:
            shown = ", ".join(map(str, references)) or "an expression"
            return UNKNOWN, f"it is computed from {shown}, which the plan does not record"
        variable = variables[0]
        if not module:
            value = self._variables.get(variable)
            if not isinstance(value, dict) or value.get("value") is None:
                return UNKNOWN, f"var.{variable} has no value in the plan"
            return value["value"], None
        call_module = self._config_module(".".join(module[:-2]))
        calls = (call_module or {}).get("module_calls") or {}
        call = calls.get(module[-1].split("[")[0]) if isinstance(calls, dict) else None
        expressions = call.get("expressions") if isinstance(call, dict) else None
        passed = expressions.get(variable) if isinstance(expressions, dict) else None
        if passed is None:
            return UNKNOWN, f"var.{variable} of {'.'.join(module)} is not passed a value"
        return self._value(passed, module[:-2])


def _mode(resource: Mapping[str, Any], file: str, where: str) -> str:
    """`managed` or `data`; a resource without a mode is managed unless its address says data."""
    mode = resource.get("mode")
    if mode is None:
        return "data" if DATA_ADDRESS.search(INDEX.sub("", str(resource.get("address", "")))) else "managed"
    if mode not in MODES:
        raise InputError(f"unexpected mode {mode!r}: expected managed or data", file=file,
                         key=f"{where} {resource.get('address')}")
    return mode


def _planned(root: Any, changes: Mapping[str, dict]) -> set[str]:
    """Every planned address (planned_values and the changes that deploy), and each without
    its instance index: what a reference written in a module may name."""
    if type(changes) is ChangeIndex:  # with the addresses of planned_values it does not list
        found = changes.unchanged | changes.keys()
    else:
        found = planned_addresses(root)
        found.update(changes)
    found |= {address[:address.rindex("[")] for address in found if address.endswith("]") and "[" in address}
    return found


def _written_address(reference: str) -> str | None:
    """The address a reference names as written (relative to its module, or absolute); VARIABLE or
    DATA_READ for a variable or a data source of the module; None when it names no resource."""
    if reference.startswith("var."):
        return VARIABLE
    if reference.startswith("data."):
        return DATA_READ
    match = RESOURCE_REFERENCE.match(reference)
    if match is None:
        return None
    prefix, type_ = match.group(1, 2)
    if not prefix and type_ in NOT_RESOURCES:
        return None
    return match.group()  # the module prefix, type, name and index, as written


def _module_parts(address: str) -> list[str]:
    """`module.a.module.b` -> ["module", "a", "module", "b"] (indices kept on the names)."""
    return address.split(".") if address else []


def _data_reads(references: list[str]) -> list[str]:
    """The data sources an expression reads, each with the attributes it reads: Terraform lists
    every reference and each of its shorter prefixes; the longest ones are what is read."""
    reads = [r for r in references if r.startswith("data.")]
    return [r for r in reads if not any(o.startswith((r + ".", r + "[")) for o in reads)]


def _decode(value: Any, unknown: Any, sensitive: Any) -> Any:
    """A planned value with UNKNOWN and Secret marked. An object is marked in place (the document
    is the reader's own, and a copy of every resource's values would double what reading holds)."""
    if unknown is True:
        decoded: Any = UNKNOWN
    elif not unknown and not sensitive:
        return value
    elif sensitive is True and unknown is None:
        decoded = value  # secret as a whole, with nothing unknown inside: shared, not copied
    elif isinstance(value, dict) or (value is None and isinstance(unknown, dict)):
        decoded = {} if value is None else value
        unknowns = unknown if isinstance(unknown, dict) else {}
        secrets = sensitive if isinstance(sensitive, dict) else {}
        for key in {**unknowns, **secrets}:  # in the marks' order
            unknown_mark, secret_mark = unknowns.get(key), secrets.get(key)
            if key in decoded:
                if unknown_mark or secret_mark:  # a plan marks most values `false` or `{}`: nothing to mark
                    decoded[key] = _decode(decoded[key], unknown_mark, secret_mark)
            elif _any_true(unknown_mark):
                decoded[key] = _decode(None, unknowns[key], secrets.get(key))
    elif isinstance(value, list) or (value is None and isinstance(unknown, list)):
        value = value or []
        unknowns = unknown if isinstance(unknown, list) else []
        secrets = sensitive if isinstance(sensitive, list) else []
        length = max(len(value), len(unknowns))
        decoded = [
            _decode(value[i] if i < len(value) else None, unknowns[i] if i < len(unknowns) else None,
                    secrets[i] if i < len(secrets) else None)
            for i in range(length)
        ]
    else:
        decoded = value
    return Secret(decoded) if sensitive is True else decoded


def _any_true(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_any_true(m) for m in marks.values())
    if isinstance(marks, list):
        return any(_any_true(m) for m in marks)
    return False


