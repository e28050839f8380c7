"""A Terraform state -> inventory: `terraform show -json` of a state (`values.root_module`), or a raw
`terraform.tfstate` (version 4: `resources[].instances[]`).

A state records each managed resource's attributes and which provider configuration manages it
(the raw state names its alias), but not that configuration's arguments: the region a provider
block had is not in the state. So a deployed resource is placed by its own OCID
(sources/deployed.py), and one without a regional OCID has a region that cannot be proven. Sensitive
attributes (`sensitive_values`, `sensitive_attributes`) are checked but never shown.

A deposed object (an instance's `deposed` key in a raw state, a resource's `deposed_key` in `terraform
show -json`) is the old object a `create_before_destroy` replacement has not destroyed yet: Terraform
destroys it at the next apply, so until then it exists and holds its data, and it is read as deployed.
It shares its address with the current object, so it is named as Terraform's plan names it,
`<address> (deposed object <key>)`: its own name and URN, and no reference resolves to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, Secret, SourceInfo
from residency.sources.deployed import locate_by_ocid
from residency.sources.json_file import expect_list, expect_mapping
from residency.sources.terraform_graph import ProviderConfig, TerraformRecord, build_inventory

NOT_RECORDED = "a Terraform state does not record the arguments of provider configurations"
PROVIDER_ADDRESS = re.compile(r'^(?:(?P<module>module\..+)\.)?provider\["(?:[^"]+/)?(?P<type>[^"/]+)"\](?:\.(?P<alias>[\w-]+))?$')


def inventory_from_terraform_state(document: Any, file: str) -> Inventory:
    if not isinstance(document, dict):
        raise InputError(_EXPECTED, file=file)
    if "planned_values" in document:
        raise InputError("this is a Terraform plan, not a state: read it with --from terraform-plan", file=file)
    if "values" in document or ("format_version" in document and "resources" not in document):
        records = list(_shown_records(document, file))
    elif "resources" in document:
        if document.get("version") != 4:
            raise InputError(
                f"unsupported state version {document.get('version')!r}: expected 4 (Terraform 0.12 or later)",
                file=file, key="version",
            )
        records = list(_raw_records(document, file))
    else:
        raise InputError(_EXPECTED, file=file)
    providers = {
        r.provider: ProviderConfig(r.provider, UNKNOWN, NOT_RECORDED) for r in records if r.provider is not None
    }
    source = SourceInfo(kind="terraform-state", path=file, stack=_stack_name(Path(file)))
    inventory = build_inventory(records, providers, source)
    for resource, record in zip(inventory.resources, records, strict=True):
        locate_by_ocid(resource, _plain(record.values.get("id")))
    return inventory


def _stack_name(path: Path) -> str:
    """The file's name, or its folder's for Terraform's own `terraform.tfstate` (`envs/prod/terraform.tfstate`)."""
    return path.parent.name if path.stem == "terraform" and path.parent.name else path.stem


_EXPECTED = ("not a Terraform state: expected the JSON of `terraform show -json` (with values.root_module) "
             "or a terraform.tfstate file (version 4, with resources)")


def _shown_records(document: Mapping[str, Any], file: str) -> Iterator[TerraformRecord]:
    values = expect_mapping(document.get("values"), file, "values")
    yield from _module_records(expect_mapping(values.get("root_module"), file, "values.root_module"), file, "values.root_module")


def _module_records(module: Mapping[str, Any], file: str, where: str) -> Iterator[TerraformRecord]:
    for index, resource in enumerate(expect_list(module.get("resources"), file, f"{where}.resources")):
        key = f"{where}.resources[{index}]"
        if not isinstance(resource, dict) or not all(isinstance(resource.get(k), str) for k in ("address", "type")):
            raise InputError("expected a resource with address, type and values", file=file, key=key)
        if resource.get("mode", "managed") != "managed":
            continue
        values = expect_mapping(resource.get("values"), file, f"{key}.values")
        provider = resource.get("provider_name")
        yield TerraformRecord(
            address=resource["address"] + _deposed(resource.get("deposed_key"), file, f"{key}.deposed_key"),
            type=resource["type"],
            values=_sensitive_values(values, resource.get("sensitive_values")),
            provider=_provider_type(provider) if isinstance(provider, str) else None,
        )
    for index, child in enumerate(expect_list(module.get("child_modules"), file, f"{where}.child_modules")):
        yield from _module_records(expect_mapping(child, file, f"{where}.child_modules[{index}]"), file,
                                   f"{where}.child_modules[{index}]")


def _raw_records(document: Mapping[str, Any], file: str) -> Iterator[TerraformRecord]:
    for index, resource in enumerate(expect_list(document["resources"], file, "resources")):
        key = f"resources[{index}]"
        if not isinstance(resource, dict) or not all(isinstance(resource.get(k), str) for k in ("type", "name")):
            raise InputError("expected a resource with mode, type, name and instances", file=file, key=key)
        if resource.get("mode", "managed") != "managed":
            continue
        module = resource.get("module")
        if module is not None and not isinstance(module, str):
            raise InputError("expected a module address (text)", file=file, key=f"{key}.module")
        base = f"{module + '.' if module else ''}{resource['type']}.{resource['name']}"
        provider = _provider_key(resource.get("provider"))
        for number, instance in enumerate(expect_list(resource.get("instances"), file, f"{key}.instances")):
            where = f"{key}.instances[{number}]"
            instance = expect_mapping(instance, file, where)
            attributes = expect_mapping(instance.get("attributes"), file, f"{where}.attributes")
            index_key = instance.get("index_key")
            if index_key is not None and (not isinstance(index_key, (str, int)) or isinstance(index_key, bool)):
                raise InputError("expected an instance key: a number (count) or text (for_each)", file=file,
                                 key=f"{where}.index_key")
            suffix = "" if index_key is None else f'["{index_key}"]' if isinstance(index_key, str) else f"[{index_key}]"
            yield TerraformRecord(
                address=base + suffix + _deposed(instance.get("deposed"), file, f"{where}.deposed"),
                type=resource["type"],
                values=_sensitive_paths(attributes, instance.get("sensitive_attributes")),
                provider=provider,
            )


def _deposed(key: Any, file: str, where: str) -> str:
    """What tells a deposed object from the current one at its address, as Terraform's plan writes it."""
    if key is None or key == "":
        return ""
    if not isinstance(key, str):
        raise InputError("expected a deposed object's key (text)", file=file, key=where)
    return f" (deposed object {key})"


def _provider_type(name: str) -> str:
    """`registry.terraform.io/oracle/oci` -> `oci`."""
    return name.rsplit("/", 1)[-1]


def _provider_key(address: Any) -> str | None:
    """`module.a.provider["registry.terraform.io/oracle/oci"].west` -> `module.a:oci.west`, as a plan keys it."""
    if not isinstance(address, str):
        return None
    match = PROVIDER_ADDRESS.match(address)
    if match is None:
        return None
    key = match["type"] + (f".{match['alias']}" if match["alias"] else "")
    return f"{match['module']}:{key}" if match["module"] else key


def _sensitive_values(values: dict[str, Any], marks: Any) -> dict[str, Any]:
    """A resource's values with its sensitive_values applied; a mark on the whole resource (which
    Terraform does not write) hides every attribute, as an unreadable path does in a raw state."""
    marked = _sensitive(values, marks)
    return {k: Secret(v) for k, v in values.items()} if isinstance(marked, Secret) else marked


def _sensitive(value: Any, marks: Any) -> Any:
    """Values with `terraform show -json`'s sensitive_values mirror applied."""
    if marks is True:
        return Secret(value)
    if isinstance(value, dict) and isinstance(marks, dict):
        return {k: _sensitive(v, marks.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(marks, list):
        return [_sensitive(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)]
    return value


def _sensitive_paths(attributes: dict[str, Any], paths: Any) -> dict[str, Any]:
    """A raw state's sensitive_attributes (lists of get_attr/index steps) applied. A path that
    cannot be read hides every attribute: a secret is never shown."""
    if not paths:
        return attributes
    if not isinstance(paths, list):
        return {k: Secret(v) for k, v in attributes.items()}
    result: Any = attributes
    for path in paths:
        steps = _steps(path)
        if steps is None:
            return {k: Secret(v) for k, v in attributes.items()}
        result = _mark(result, steps)
    return result


def _steps(path: Any) -> list[Any] | None:
    if not isinstance(path, list) or not path:
        return None
    steps = []
    for step in path:
        if not isinstance(step, dict) or step.get("type") not in ("get_attr", "index"):
            return None
        value = step.get("value")
        value = value.get("value") if isinstance(value, dict) else value
        if not isinstance(value, (str, int)) or isinstance(value, bool):  # an attribute name, a list index or a map key
            return None
        steps.append(value)
    return steps


def _mark(node: Any, steps: list[Any]) -> Any:
    if not steps:
        return node if isinstance(node, Secret) else Secret(node)
    head, rest = steps[0], steps[1:]
    if isinstance(node, dict) and head in node:
        return {**node, head: _mark(node[head], rest)}
    if isinstance(node, list) and isinstance(head, int) and 0 <= head < len(node):
        return [_mark(item, rest) if i == head else item for i, item in enumerate(node)]
    return node


def _plain(value: Any) -> Any:
    while isinstance(value, Secret):
        value = value.value
    return value

