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
  attributes, which Terraform records for values taken from other resources.

Like `terraform show -json`, the plan holds the values of secrets in clear text; only their
marks say they are sensitive. A provider's region kept as a secret is written as an expression
with no constant value: a finding could not show it, so it cannot be proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from residency.catalog import terraform_identifier
from residency.export.terraform_values import split_marks, terraform_name, terraform_values
from residency.inventory import UNKNOWN, Inventory, Resource, Secret
from residency.inventory.values import leaves
from residency.sources.pulumi_graph import OCI_PROVIDER, is_default_provider

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
        self._provider_keys: dict[str, str] = {}  # explicit provider URN -> key
        self._addresses: dict[str, str] = {}
        self._exported = [r for r in inventory.resources if r.custom and not r.is_provider and r.terraform_type]

    def export(self) -> ExportedPlan:
        for resource in self._exported:
            module = self._module_of(resource)
            name = self._names.take(module.address, resource.terraform_type, resource.name)
            self._addresses[resource.urn] = f"{module.address + '.' if module.address else ''}{resource.terraform_type}.{name}"
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
        name = address.rsplit(".", 1)[1]
        values = terraform_values(resource.properties, resource.token)
        after, unknown, sensitive = split_marks(values)
        common = {"address": address, "mode": "managed", "type": resource.terraform_type, "name": name}
        planned = {**common, "provider_name": PROVIDER_NAME, "schema_version": 0, "values": after,
                   "sensitive_values": sensitive or {}}
        change = {**common, **({"module_address": module.address} if module.address else {}),
                  "provider_name": PROVIDER_NAME,
                  "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown or {},
                             "before_sensitive": False, "after_sensitive": sensitive or {}}}
        config = {"address": f"{resource.terraform_type}.{name}", "mode": "managed", "type": resource.terraform_type,
                  "name": name, "provider_config_key": self._provider_key(resource),
                  "expressions": self._expressions(resource, values, module.address), "schema_version": 0}
        return planned, config, change

    def _expressions(self, resource: Resource, values: Mapping[str, Any], module: str) -> dict[str, Any]:
        """Per attribute: the references behind it, else its constant value, else nothing known."""
        by_terraform = {terraform_name(resource.token, wire): wire for wire in resource.properties}
        expressions = {}
        for name, value in values.items():
            urns = resource.property_dependencies.get(by_terraform.get(name, name), ())
            references = [ref for urn in urns if urn in self._addresses for ref in _references(self._addresses[urn], module)]
            expressions[name] = {"references": references} if references else _expression(value)
        return expressions

    def _provider_key(self, resource: Resource) -> str:
        urn = resource.region.provider if resource.region else None
        if urn is None or is_default_provider(urn):
            return DEFAULT_PROVIDER_KEY
        if urn not in self._provider_keys:
            provider = self._inventory.get(urn)
            alias = self._names.take("", "provider", provider.name if provider else urn.rsplit("::", 1)[-1])
            self._provider_keys[urn] = f"oci.{alias}"
        return self._provider_keys[urn]

    def _provider_config(self) -> dict[str, Any]:
        configs = {DEFAULT_PROVIDER_KEY: _provider_entry(None, self._default_region, self._default_auth)}
        for urn, key in self._provider_keys.items():
            provider = self._inventory.get(urn)
            known = provider is not None and provider.token == OCI_PROVIDER
            region = provider.properties.get("region") if known else UNKNOWN
            auth = provider.properties.get("auth") if known else None
            configs[key] = _provider_entry(key.split(".", 1)[1], region, auth)
        return configs


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
    if isinstance(auth, str):
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
