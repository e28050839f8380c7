"""A Terraform plan (`terraform show -json PLANFILE`) -> inventory.

Values come from `planned_values`; what is known only after apply from `resource_changes`'
`after_unknown`, what is sensitive from `after_sensitive`. The `configuration` block says which
provider configuration each resource uses (`provider_config_key`), what that configuration's
region is, and which resources each attribute refers to.

An attribute the configuration does not set but the provider computes (OCI marks many optional
attributes computed, so a plan shows them as unknown) is left out, as it is absent from a Pulumi
program's inputs: only what the configuration sets can move data. Without a configuration block
nothing is left out. References across modules, which Terraform itself routes through module
variables, may be written as absolute addresses (`module.a.oci_kms_key.k`); `residency export`
writes them so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inputs import parse_json, read_text
from residency.inventory import UNKNOWN, Inventory, Secret, SourceInfo, SourceLocation
from residency.sources.terraform_graph import ProviderConfig, TerraformRecord, build_inventory

MODULE_PART = re.compile(r'module\.([^.\[]+)(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?')
RESOURCE_REFERENCE = re.compile(r'^((?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*)([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)(\[[^\]]*\])?')
NOT_RESOURCES = {"var", "local", "data", "module", "count", "each", "path", "terraform", "self"}
SKIPPED_ACTIONS = (["delete"], ["forget"])


def load_plan(path: Path) -> Inventory:
    plan = _Plan(read_plan(path), path)
    return build_inventory(plan.records(), plan.providers(), SourceInfo(kind="terraform-plan", path=str(path)))


def read_plan(path: Path) -> dict[str, Any]:
    shown = str(path)
    document = parse_json(read_text(path, shown), file=shown, what="valid JSON")
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
        configuration = _mapping(document.get("configuration"), self._file, "configuration")
        self._provider_config = _mapping(configuration.get("provider_config"), self._file, "configuration.provider_config")
        self._config_root = _mapping(configuration.get("root_module"), self._file, "configuration.root_module")
        self._addresses = set(_planned_addresses(document["planned_values"].get("root_module") or {}))
        self._changes = {
            change.get("address"): change.get("change") or {}
            for change in _list(document.get("resource_changes"), self._file, "resource_changes")
            if isinstance(change, dict)
        }

    def providers(self) -> dict[str, ProviderConfig]:
        configs = {}
        for key, entry in self._provider_config.items():
            if not isinstance(entry, dict):
                raise InputError("expected a provider configuration object", file=self._file, key=f"configuration.provider_config.{key}")
            expressions = entry.get("expressions") or {}
            module = _module_parts(entry.get("module_address") or "")
            region, because = (None, None) if "region" not in expressions else self._value(expressions["region"], module)
            auth = self._value(expressions["auth"], module)[0] if "auth" in expressions else None
            configs[key] = ProviderConfig(key, region, because, auth=auth)
        return configs

    def records(self) -> Iterator[TerraformRecord]:
        root = _mapping(self._document["planned_values"].get("root_module"), self._file, "planned_values.root_module")
        yield from self._module_records(root, "")

    def _module_records(self, module: Mapping[str, Any], address: str) -> Iterator[TerraformRecord]:
        config_module = self._config_module(address)
        where = f"planned_values ({address or 'root module'})"
        for resource in _list(module.get("resources"), self._file, where):
            if not isinstance(resource, dict) or not isinstance(resource.get("address"), str) or "type" not in resource:
                raise InputError("expected resources with address, type, name and values", file=self._file, key=where)
            change = self._changes.get(resource["address"], {})
            if resource.get("mode") != "managed" or change.get("actions") in SKIPPED_ACTIONS:
                continue
            yield self._record(resource, change, address, config_module)
        for child in _list(module.get("child_modules"), self._file, where):
            if not isinstance(child, dict) or not isinstance(child.get("address"), str):
                raise InputError("expected child modules with an address", file=self._file, key=where)
            yield from self._module_records(child, child["address"])

    def _record(self, resource: dict, change: dict, module: str, config_module: Mapping[str, Any] | None) -> TerraformRecord:
        values = _decode(resource.get("values") or {}, change.get("after_unknown"), change.get("after_sensitive"))
        config = _config_resource(config_module, resource)
        provider, inherited, references = None, False, {}
        if config is not None:
            expressions = config.get("expressions") or {}
            values = {k: v for k, v in values.items() if v is not UNKNOWN or k in expressions}
            provider, inherited = self._provider_key(config.get("provider_config_key"), module)
            for attribute, expression in expressions.items():
                found = tuple(a for a in (self._absolute(r, module) for r in _references(expression)) if a)
                if found:
                    references[attribute] = found
        return TerraformRecord(
            address=resource["address"],
            type=resource["type"],
            values=values,
            provider=provider,
            inherited=inherited,
            references=references,
            location=self._location,
        )

    def _absolute(self, reference: str, module: str) -> str | None:
        """The address of the resource a reference names, or None when it names no resource.
        Terraform writes references relative to the module; one that names no resource there
        is taken as written, an absolute address."""
        match = RESOURCE_REFERENCE.match(reference)
        if match is None:
            return None
        prefix, type_, name, index = match.groups()
        if not prefix and type_ in NOT_RESOURCES:
            return None
        written = f"{prefix}{type_}.{name}{index or ''}"
        if prefix or not module:
            return written
        relative = f"{module}.{written}"
        return relative if relative in self._addresses or written not in self._addresses else written

    def _provider_key(self, key: Any, module: str) -> tuple[str | None, bool]:
        """The configuration a resource uses. Terraform points a resource at the configuration a
        module call passes down; one inherited implicitly (the unaliased default) may have no
        entry of its own, so look for it in the calling modules."""
        if not isinstance(key, str):
            return None, False
        scope, _, name = key.rpartition(":")
        parts = _module_parts(scope)
        while True:
            candidate = f"{'.'.join(parts)}:{name}" if parts else name
            if candidate in self._provider_config:
                return candidate, _module_parts(re.sub(r"\[[^\]]*\]", "", module)) != parts
            if not parts:
                return key, False
            parts = parts[:-2]

    def _config_module(self, address: str) -> Mapping[str, Any] | None:
        module: Mapping[str, Any] | None = self._config_root
        for name in MODULE_PART.findall(address):
            call = (module or {}).get("module_calls", {}).get(name) or {}
            module = call.get("module")
        return module

    def _value(self, expression: Any, module: list[str]) -> tuple[Any, str | None]:
        """A provider argument's value: a constant, or a variable's value passed down to it."""
        if not isinstance(expression, dict):
            return UNKNOWN, "its expression cannot be read"
        if "constant_value" in expression:
            return expression["constant_value"], None
        references = expression.get("references") or []
        variables = [r.removeprefix("var.") for r in references if r.startswith("var.")]
        if len(variables) != 1 or len(references) != 1:
            shown = ", ".join(references) or "an expression"
            return UNKNOWN, f"it is computed from {shown}, which the plan does not record"
        variable = variables[0]
        if not module:
            value = (self._document.get("variables") or {}).get(variable)
            if not isinstance(value, dict) or value.get("value") is None:
                return UNKNOWN, f"var.{variable} has no value in the plan"
            return value["value"], None
        call_module = self._config_module(".".join(module[:-2]))
        call = ((call_module or {}).get("module_calls") or {}).get(module[-1].split("[")[0]) or {}
        passed = (call.get("expressions") or {}).get(variable)
        if passed is None:
            return UNKNOWN, f"var.{variable} of {'.'.join(module)} is not passed a value"
        return self._value(passed, module[:-2])


def _planned_addresses(module: Any) -> Iterator[str]:
    """Every planned resource address, and each without its instance index."""
    if not isinstance(module, dict):
        return
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            yield resource["address"]
            yield re.sub(r"\[[^\]]*\]$", "", resource["address"])
    for child in module.get("child_modules") or []:
        yield from _planned_addresses(child)


def _module_parts(address: str) -> list[str]:
    """`module.a.module.b` -> ["module", "a", "module", "b"] (indices kept on the names)."""
    return address.split(".") if address else []


def _config_resource(module: Mapping[str, Any] | None, resource: dict) -> dict | None:
    for config in (module or {}).get("resources") or []:
        if config.get("type") == resource["type"] and config.get("name") == resource.get("name") and config.get("mode", "managed") == "managed":
            return config
    return None


def _references(expression: Any) -> Iterator[str]:
    """Every reference in an attribute's expression, blocks included."""
    if isinstance(expression, dict):
        yield from (r for r in expression.get("references") or [] if isinstance(r, str))
        for key, value in expression.items():
            if key != "references":
                yield from _references(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _references(item)




def _decode(value: Any, unknown: Any, sensitive: Any) -> Any:
    if unknown is True:
        decoded: Any = UNKNOWN
    elif isinstance(value, dict) or (value is None and isinstance(unknown, dict)):
        value = value or {}
        unknowns = unknown if isinstance(unknown, dict) else {}
        secrets = sensitive if isinstance(sensitive, dict) else {}
        decoded = {key: _decode(item, unknowns.get(key), secrets.get(key)) for key, item in value.items()}
        for key, marks in unknowns.items():
            if key not in value and _any_true(marks):
                decoded[key] = _decode(None, marks, secrets.get(key))
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


def _mapping(value: Any, file: str, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("expected an object", file=file, key=key)
    return value


def _list(value: Any, file: str, key: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("expected a list", file=file, key=key)
    return value
