"""The offline inventory of a Pulumi program as a Terraform plan (`terraform show -json`), so that
Checkov - our checks and its own - can scan a Pulumi deployment.

pulumi-oci is bridged from terraform-provider-oci, so every OCI resource has a Terraform type and
its inputs have Terraform names and shapes (terraform_schema). The plan says what Checkov and the
plan source read:

- `planned_values` with the module tree: each component becomes a module, named after it;
- `resource_changes` (every resource created) with `after_unknown` for values known only after
  apply and `after_sensitive` for secrets;
- `configuration`: each provider (`oci` for the default one, `oci.<name>` for an explicit one)
  with its region, and per resource its `provider_config_key` and the references behind its
  attributes, which Terraform records for values taken from other resources. What the program
  only reads (`get`, another stack's outputs) and a resource takes a value from is a data block of
  that resource's module, as Terraform reads what it does not manage: never judged as a resource,
  but a reference to it still says where the value comes from.

Every resource of the program is exported, not only OCI's: a resource of another provider (a
command, a dynamic provider, another cloud, another stack's outputs) may carry protected data away
or hand a value to an OCI resource, and the rules judge both. One without a Terraform type gets a
name that no Terraform provider uses (other_terraform_type); every resource's Pulumi type is kept
beside its configuration (`pulumi_type`), which the plan source reads back.

Like `terraform show -json`, the plan holds the values of secrets in clear text; only their
marks say they are sensitive. A provider's region kept as a secret is written as an expression
with no constant value: a finding could not show it, so it cannot be proven.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from residency.catalog import ResourceKind, terraform_identifier
from residency.export.terraform_values import split_marks, terraform_name, terraform_values
from residency.inventory import UNKNOWN, Inventory, Resource, Secret
from residency.inventory.values import leaves, snake
from residency.sources.pulumi_graph import OCI_PROVIDER, is_default_provider
from residency.sources.terraform_plan import PULUMI_TYPE

FORMAT_VERSION = "1.2"
# Checkov reads a JSON file as a plan only when it names a Terraform version; this is the
# release whose plan format the export follows.
TERRAFORM_VERSION = "1.9.8"
PROVIDER_NAME = "registry.terraform.io/oracle/oci"
DEFAULT_PROVIDER_KEY = "oci"


@dataclass
class ExportedPlan:
    document: dict[str, Any]
    addresses: dict[str, str]  # resource URN -> Terraform address


@dataclass
class _Module:
    address: str  # "" for the root, else module.a.module.b
    resources: list[dict] = field(default_factory=list)
    configs: list[dict] = field(default_factory=list)
    children: dict[str, _Module] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)  # URN of what the program only reads -> its data block's address


def export_plan(inventory: Inventory, default_region: Any, default_auth: Any = None) -> ExportedPlan:
    """`default_region`, `default_auth`: the stack's `oci:region` and `oci:auth` (None when unset),
    the default provider's configuration."""
    return _Exporter(inventory, default_region, default_auth).export()


class _Exporter:
    def __init__(self, inventory: Inventory, default_region: Any, default_auth: Any = None):
        self._inventory = inventory
        self._default_region = default_region
        self._default_auth = default_auth
        self._names = _Names()
        self._root = _Module("")
        self._modules: dict[str, _Module] = {}  # component URN -> its module
        self._provider_keys: dict[str, str] = {}  # explicit OCI provider URN -> key
        self._other_providers: dict[str, dict[str, Any]] = {}  # key -> configuration, for other packages
        self._addresses: dict[str, str] = {}
        self._exported = [r for r in inventory.resources if r.custom and not r.is_provider]
        self._types = {r.urn: r.terraform_type or other_terraform_type(r.token) for r in self._exported}

    def export(self) -> ExportedPlan:
        for resource in self._exported:
            module = self._module_of(resource)
            type_ = self._types[resource.urn]
            name = self._names.take(module.address, type_, resource.name)
            self._addresses[resource.urn] = f"{module.address + '.' if module.address else ''}{type_}.{name}"
        changes = []
        for resource in self._exported:
            planned, config, change = self._resource(resource)
            module = self._module_of(resource)
            module.resources.append(planned)
            module.configs.append(config)
            changes.append(change)
        document = {
            "format_version": FORMAT_VERSION,
            "terraform_version": TERRAFORM_VERSION,
            "variables": {},
            "planned_values": {"root_module": _planned_module(self._root)},
            "resource_changes": changes,
            "configuration": {"provider_config": self._provider_config(), "root_module": _config_module(self._root)},
        }
        return ExportedPlan(document, dict(self._addresses))

    def _module_of(self, resource: Resource) -> _Module:
        parent = self._inventory.get(resource.parent) if resource.parent else None
        if parent is None or parent.custom:
            return self._root
        if parent.urn not in self._modules:
            outer = self._module_of(parent)
            name = self._names.take(outer.address, "module", parent.name)
            address = f"{outer.address + '.' if outer.address else ''}module.{name}"
            outer.children[name] = self._modules[parent.urn] = _Module(address)
        return self._modules[parent.urn]

    def _resource(self, resource: Resource) -> tuple[dict, dict, dict]:
        address = self._addresses[resource.urn]
        module = self._module_of(resource)
        type_ = self._types[resource.urn]
        name = address.rsplit(".", 1)[1]
        values = terraform_values(resource.properties, resource.token)
        after, unknown, sensitive = split_marks(values)
        provider_name = PROVIDER_NAME if resource.kind is not ResourceKind.NOT_OCI else _pulumi_provider(resource.token)
        common = {"address": address, "mode": "managed", "type": type_, "name": name}
        planned = {**common, "provider_name": provider_name, "schema_version": 0, "values": after,
                   "sensitive_values": sensitive or {}}
        change = {**common, **({"module_address": module.address} if module.address else {}),
                  "provider_name": provider_name,
                  "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown or {},
                             "before_sensitive": False, "after_sensitive": sensitive or {}}}
        config = {"address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
                  PULUMI_TYPE: resource.token, "provider_config_key": self._provider_key(resource),
                  "expressions": self._expressions(resource, values, module), "schema_version": 0}
        depends_on = self._explicit_dependencies(resource, module.address)
        if depends_on:
            config["depends_on"] = depends_on
        return planned, config, change

    def _expressions(self, resource: Resource, values: Mapping[str, Any], module: _Module) -> dict[str, Any]:
        """Per attribute: the references behind it, else its constant value, else nothing known."""
        by_terraform = {terraform_name(resource.token, wire): wire for wire in resource.properties}
        expressions = {}
        for name, value in values.items():
            urns = resource.property_dependencies.get(by_terraform.get(name, name), ())
            references = [ref for urn in urns for ref in self._references_to(urn, module)]
            expressions[name] = {"references": references} if references else _expression(value)
        return expressions

    def _references_to(self, urn: str, module: _Module) -> list[str]:
        """How a resource of `module` refers to what `urn` names: a resource of the program by its
        address; one the program only reads by a data block of the module (made at the first
        reference); anything else not at all."""
        if urn in self._addresses:
            return _references(self._addresses[urn], module.address)
        address = module.reads.get(urn)
        if address is None:
            read = self._inventory.read.get(urn)
            if read is None:
                return []
            type_ = read.terraform_type or other_terraform_type(read.token)
            name = self._names.take(module.address, f"data.{type_}", read.name)
            address = module.reads[urn] = f"data.{type_}.{name}"
            module.configs.append({"address": address, "mode": "data", "type": type_, "name": name,
                                   PULUMI_TYPE: read.token, "provider_config_key": self._provider_key(read)})
        return [f"{address}.id", address]

    def _explicit_dependencies(self, resource: Resource, module: str) -> list[str]:
        """What the resource depends on beyond the values it takes (`depends_on`), as Terraform lists it."""
        taken = {urn for urns in resource.property_dependencies.values() for urn in urns}
        return [_references(self._addresses[urn], module)[1] for urn in resource.dependencies
                if urn not in taken and urn in self._addresses]

    def _provider_key(self, resource: Resource) -> str:
        if resource.kind is ResourceKind.NOT_OCI:
            return self._other_provider_key(resource)
        urn = resource.region.provider if resource.region else None
        if urn is None or is_default_provider(urn):
            return DEFAULT_PROVIDER_KEY
        if urn not in self._provider_keys:
            provider = self._inventory.get(urn)
            alias = self._names.take("", "provider", provider.name if provider else urn.rsplit("::", 1)[-1])
            self._provider_keys[urn] = f"oci.{alias}"
        return self._provider_keys[urn]

    def _other_provider_key(self, resource: Resource) -> str:
        """Another package's provider: `<package>` for its default provider, `<package>.<name>` for
        an explicit one. What it configures is not read: regions are OCI's."""
        package = terraform_identifier(resource.token.split(":", 1)[0])
        urn = resource.provider
        key, alias = package, None
        if urn is not None and not is_default_provider(urn):
            provider = self._inventory.get(urn)
            alias = self._names.take("", "provider", provider.name if provider else urn.rsplit("::", 1)[-1])
            key = f"{package}.{alias}"
        if key not in self._other_providers:
            entry = {"name": package, "full_name": _pulumi_provider(resource.token)}
            self._other_providers[key] = {**entry, "alias": alias} if alias else entry
        return key

    def _provider_config(self) -> dict[str, Any]:
        """OCI's configurations first: Checkov runs provider checks on a plan's first one only."""
        configs = {DEFAULT_PROVIDER_KEY: _provider_entry(None, self._default_region, self._default_auth)}
        for urn, key in self._provider_keys.items():
            provider = self._inventory.get(urn)
            known = provider is not None and provider.token == OCI_PROVIDER
            region = provider.properties.get("region") if known else UNKNOWN
            auth = provider.properties.get("auth") if known else None
            configs[key] = _provider_entry(key.split(".", 1)[1], region, auth)
        return {**configs, **self._other_providers}


class _Names:
    """Terraform names (letters, digits, `_`, `-`, not starting with a digit), unique per kind
    within a module."""

    def __init__(self) -> None:
        self._taken: set[tuple[str, str, str]] = set()

    def take(self, module: str, kind: str, name: str) -> str:
        base = terraform_identifier(name)
        candidate, number = base, 1
        while (module, kind, candidate) in self._taken:
            number += 1
            candidate = f"{base}_{number}"
        self._taken.add((module, kind, candidate))
        return candidate


def other_terraform_type(token: str) -> str:
    """A Terraform type for a Pulumi type that has none: the token in snake case after `pulumi_`
    (`command:local:Command` -> `pulumi_command_local_command`), so no provider's checks mistake it
    for one of theirs. Left out: Pulumi's `index` module, a module named after the package or the
    type (`random:index/randomId:RandomId` -> `pulumi_random_random_id`, `pulumi:pulumi:StackReference`
    -> `pulumi_stack_reference`). An OCI type newer than the catalogue keeps OCI's prefix
    (`oci:Foo/barBaz:BarBaz` -> `oci_foo_bar_baz`): its region is its provider's."""
    package, _, rest = token.partition(":")
    module, _, name = rest.rpartition(":")
    parts = [part for part in module.split("/") if part and part not in ("index", package)]
    if parts and parts[-1].lower() == name.lower():
        parts.pop()
    prefix = [package] if package == "oci" or package.startswith("pulumi") else ["pulumi", package]
    words = [*prefix, *parts, name]
    return "_".join(re.sub(r"[^a-z0-9]+", "_", snake(word)).strip("_") for word in words if word) or "pulumi"


def _pulumi_provider(token: str) -> str:
    """The Pulumi provider of a type, where Terraform names a provider's source."""
    return f"pulumi:providers:{token.split(':', 1)[0]}"


def _expression(value: Any) -> dict[str, Any] | list:
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return [{key: _expression(item) for key, item in block.items()} for block in value]
    if _known(value):
        return {"constant_value": value}
    return {}


def _known(value: Any) -> bool:
    """Known and not secret, throughout: a value Terraform could show as a constant."""
    return all(leaf.known and not leaf.secret for leaf in leaves({"value": value}))


def _references(address: str, module: str) -> list[str]:
    """As Terraform lists them: the attribute (`.id`, an OCID) and the resource. Within a module
    relative; across modules absolute (see the plan source)."""
    prefix = f"{module}." if module else ""
    if prefix and address.startswith(prefix) and not address[len(prefix):].startswith("module."):
        address = address[len(prefix):]
    return [f"{address}.id", address]


def _provider_entry(alias: str | None, region: Any, auth: Any = None) -> dict[str, Any]:
    """A provider configuration: its region, and its `auth` method, which decides whether OCI uses
    that region at all."""
    entry: dict[str, Any] = {"name": "oci", "full_name": PROVIDER_NAME}
    if alias:
        entry["alias"] = alias
    secret = isinstance(region, Secret)
    while isinstance(region, Secret):
        region = region.value
    expressions: dict[str, Any] = {}
    if region is UNKNOWN or secret:  # a secret region could not be shown in a finding: unproven, as in the gate
        expressions["region"] = {}
    elif region is not None:
        expressions["region"] = {"constant_value": region}
    while isinstance(auth, Secret):
        auth = auth.value
    if auth is UNKNOWN:  # set where it is deployed: under some methods OCI ignores the region
        expressions["auth"] = {}
    elif isinstance(auth, str):
        expressions["auth"] = {"constant_value": auth}
    if expressions:
        entry["expressions"] = expressions
    return entry


def _planned_module(module: _Module) -> dict[str, Any]:
    planned: dict[str, Any] = {"resources": module.resources}
    if module.address:
        planned["address"] = module.address
    if module.children:
        planned["child_modules"] = [_planned_module(child) for child in module.children.values()]
    return planned


def _config_module(module: _Module) -> dict[str, Any]:
    config: dict[str, Any] = {"resources": module.configs}
    if module.children:
        config["module_calls"] = {
            name: {"source": f"./{name}", "module": _config_module(child)} for name, child in module.children.items()
        }
    return config
