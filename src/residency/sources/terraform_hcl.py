"""A Terraform configuration (a directory of .tf files) -> inventory, before any plan exists.

Read with the HCL parser Checkov uses (bc-python-hcl2), so both see the same file. The root
module's variables take their defaults and the values of terraform.tfvars[.json] and
*.auto.tfvars[.json], as `terraform plan` does. TF_VAR_* environment variables are never read:
like OCI_REGION, they are not part of the configuration and cannot be reviewed, so a variable
set only there has no value here, and a region that depends on it is a finding.

Each resource's provider configuration is found as Terraform finds it: the `provider` argument
(`oci.west`) or the module's unaliased `oci`; a module call's `providers` map, or the implicit
inheritance of the unaliased configuration, passes configurations down to local modules
(`source = "./..."`). Modules from registries or git are not read; the inventory notes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import hcl2
from lark.exceptions import LarkError, UnexpectedInput

from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, Origin, SourceInfo, SourceLocation
from residency.sources.terraform_expressions import Evaluated, Scope, references
from residency.sources.terraform_graph import ProviderConfig, TerraformRecord, build_inventory
from residency.yamlfile import read_text

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
MAX_MODULE_DEPTH = 16


def load_directory(directory: Path) -> Inventory:
    if not directory.is_dir():
        raise InputError("not a directory", file=str(directory))
    if not any(directory.glob("*.tf")):
        raise InputError("no .tf files here: expected a Terraform configuration directory", file=str(directory))
    root = directory.resolve()
    reader = _Reader(root)
    reader.variable_origins = _variable_origins(root, reader)
    reader.read_module(root, "", _root_variables(root, reader), {})
    source = SourceInfo(kind="terraform-hcl", path=str(directory), notes=tuple(reader.notes))
    return build_inventory(reader.records, reader.providers, source)


@dataclass
class _Blocks:
    """The blocks of one module directory, as the parser gives them."""

    variables: dict[str, dict] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    providers: list[tuple[str, dict, str]] = field(default_factory=list)  # (local key "oci" / "oci.west", body, file)
    resources: list[tuple[str, str, dict, str]] = field(default_factory=list)  # (type, name, body, file)
    modules: list[tuple[str, dict, str]] = field(default_factory=list)  # (name, body, file)


class _Reader:
    def __init__(self, root: Path):
        self.root = root
        self.records: list[TerraformRecord] = []
        self.providers: dict[str, ProviderConfig] = {}
        self.notes: list[str] = []
        self._blocks: dict[Path, _Blocks] = {}
        self.variable_origins: dict[str, Origin] = {}  # root variable -> where its value is written

    def shown(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def parse(self, path: Path) -> dict[str, Any]:
        text = read_text(path, self.shown(path))
        try:
            return hcl2.loads(text)
        except UnexpectedInput as error:
            message = str(error).splitlines()[0]
            raise InputError(f"not valid HCL: {message}", file=self.shown(path), line=error.line) from None
        except LarkError as error:
            raise InputError(f"not valid HCL: {str(error).splitlines()[0]}", file=self.shown(path)) from None

    def blocks(self, directory: Path) -> _Blocks:
        if directory not in self._blocks:
            self._blocks[directory] = self._read_blocks(directory)
        return self._blocks[directory]

    def _read_blocks(self, directory: Path) -> _Blocks:
        blocks = _Blocks()
        for path in sorted(directory.glob("*.tf")):
            document, file = self.parse(path), self.shown(path)
            for entry in document.get("variable", []):
                blocks.variables.update(entry)
            for entry in document.get("locals", []):
                blocks.locals.update({k: v[0] for k, v in entry.items() if not k.startswith("__")})
            for entry in document.get("provider", []):
                for name, body in entry.items():
                    alias = _attribute(body, "alias")
                    blocks.providers.append((f"{name}.{alias}" if alias else name, body, file))
            for entry in document.get("resource", []):
                for type_, named in entry.items():
                    blocks.resources.extend((type_, name, body, file) for name, body in named.items())
            for entry in document.get("module", []):
                blocks.modules.extend((name, body, file) for name, body in entry.items())
        return blocks

    def read_module(self, directory: Path, address: str, variables: dict[str, Evaluated],
                    provider_map: dict[str, tuple[str, bool]]) -> None:
        """`provider_map`: local provider key -> (configuration key, passed down by a caller)."""
        blocks = self.blocks(directory)
        scope = _ModuleScope(blocks, variables)
        provider_map = dict(provider_map)
        for local, body, file in blocks.providers:
            key = f"{address}:{local}" if address else local
            provider_map[local] = (key, False)
            origins = (Origin("provider", key, file, body.get("__start_line__")),)
            variable = _VARIABLE.match(str(body.get("region", [""])[0]))
            if not address and variable and variable.group(1) in self.variable_origins:
                origins = (self.variable_origins[variable.group(1)], *origins)
            self.providers[key] = replace(_provider_config(key, body, scope.scope), origins=origins)
        for type_, name, body, file in blocks.resources:
            self.read_resource(type_, name, body, file, address, scope, provider_map)
        for name, body, file in blocks.modules:
            self.read_call(directory, name, body, file, address, scope, provider_map)

    def read_resource(self, type_: str, name: str, body: dict, file: str, module: str, scope: _ModuleScope,
                      provider_map: Mapping[str, tuple[str, bool]]) -> None:
        written = _attribute(body, "provider")
        local = _strip(written) if isinstance(written, str) else type_.split("_")[0]
        key, inherited = provider_map.get(local, (f"{module}:{local}" if module else local, False))
        location = SourceLocation(file, body.get("__start_line__"))
        for index, instance in scope.instances(body):
            values, refs = _body(body, instance)
            prefix = f"{module}." if module else ""
            self.records.append(TerraformRecord(
                address=f"{prefix}{type_}.{name}{index}",
                type=type_,
                values=values,
                provider=key,
                inherited=inherited,
                references={attr: tuple(prefix + r for r in found) for attr, found in refs.items()},
                location=location,
            ))

    def read_call(self, directory: Path, name: str, body: dict, file: str, module: str, scope: _ModuleScope,
                  provider_map: Mapping[str, tuple[str, bool]]) -> None:
        address = f"{module}.module.{name}" if module else f"module.{name}"
        source = _attribute(body, "source")
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            self.notes.append(f"{address}: source {source!r} is not a local path, so its resources were not read")
            return
        child = (directory / source).resolve()
        if not child.is_dir():
            raise InputError(f"module {name}: source {source} is not a directory", file=file, line=body.get("__start_line__"))
        if address.count("module.") > MAX_MODULE_DEPTH:
            raise InputError(f"modules nest deeper than {MAX_MODULE_DEPTH} levels: a module calls itself?", file=file)
        self.read_module(child, address, self.call_variables(child, address, body, scope), _passed(body, provider_map))

    def call_variables(self, child: Path, address: str, call: dict, scope: _ModuleScope) -> dict[str, Evaluated]:
        passed = {k: scope.scope.evaluate(v[0]) for k, v in call.items()
                  if k not in {"source", "version", "providers", *META_ARGUMENTS} and not k.startswith("__")}
        variables = {}
        for name, declaration in self.blocks(child).variables.items():
            if name in passed:
                variables[name] = passed[name]
            elif "default" in declaration:
                variables[name] = Evaluated(declaration["default"][0])
            else:
                variables[name] = Evaluated(UNKNOWN, f"var.{name} of {address} has no value: the module call does not pass it")
        return variables


class _ModuleScope:
    """Names in one module: its variables and locals, and per instance count and each."""

    def __init__(self, blocks: _Blocks, variables: dict[str, Evaluated]):
        self._locals_raw = blocks.locals
        self._locals: dict[str, Evaluated] = {}
        self._variables = variables
        self._instance: dict[str, Any] = {}
        self.scope = Scope(self._lookup)

    def _lookup(self, kind: str, name: str) -> Evaluated:
        if kind == "var":
            return self._variables.get(name, Evaluated(UNKNOWN, f"var.{name} is not declared"))
        if kind == "local":
            if name not in self._locals:
                if name not in self._locals_raw:
                    return Evaluated(UNKNOWN, f"local.{name} is not defined")
                self._locals[name] = Evaluated(UNKNOWN, f"local.{name} refers to itself")
                self._locals[name] = self.scope.evaluate(self._locals_raw[name])
            return self._locals[name]
        value = self._instance.get(kind, {})
        if name in value:
            return Evaluated(value[name])
        return Evaluated(UNKNOWN, f"{kind}.{name} is not known before apply")

    def instances(self, body: dict) -> Iterator[tuple[str, "_ModuleScope"]]:
        """(address index, scope) per instance; one unindexed instance when count or for_each
        cannot be evaluated, with count.index and each.* unknown."""
        self._instance = {}
        if "count" in body:
            count = self.scope.evaluate(body["count"][0]).value
            if isinstance(count, int) and not isinstance(count, bool):
                for index in range(count):
                    self._instance = {"count": {"index": index}}
                    yield f"[{index}]", self
                return
        elif "for_each" in body:
            each = self.scope.evaluate(body["for_each"][0]).value
            items = each.items() if isinstance(each, Mapping) else ((v, v) for v in each) if isinstance(each, list) else None
            if items is not None:
                for key, value in items:
                    self._instance = {"each": {"key": key, "value": value}}
                    yield f"[{json.dumps(key)}]", self
                return
        yield "", self


def _body(body: dict, scope: _ModuleScope) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """A resource body in Terraform's shapes (blocks as lists of objects), and per top-level
    attribute the resources its expressions name."""
    values: dict[str, Any] = {}
    refs: dict[str, tuple[str, ...]] = {}
    for key, raw in body.items():
        if key in META_ARGUMENTS or key.startswith("__"):
            continue
        if key == "dynamic":  # generated blocks: their number and content are not known here
            for entry in raw:
                for name, dynamic in entry.items():
                    values[name] = UNKNOWN
                    refs[name] = tuple(references(dynamic))
            continue
        values[key] = _value(raw, scope)
        found = tuple(dict.fromkeys(references(raw)))
        if found:
            refs[key] = found
    return values, refs


def _value(raw: list, scope: _ModuleScope) -> Any:
    if _is_blocks(raw):
        return [{k: _value(v, scope) for k, v in block.items() if not k.startswith("__")} for block in raw]
    return scope.scope.evaluate(raw[0]).value


def _is_blocks(raw: Any) -> bool:
    """Blocks come as a list of bodies whose every attribute is itself wrapped in a list; an
    attribute comes as a one-element list holding its value."""
    return isinstance(raw, list) and bool(raw) and all(
        isinstance(b, dict) and b and all(isinstance(v, list) or k.startswith("__") for k, v in b.items()) for b in raw
    )


def _attribute(body: dict, name: str) -> Any:
    raw = body.get(name)
    return raw[0] if isinstance(raw, list) and raw else None


def _strip(expression: str) -> str:
    return expression.removeprefix("${").removesuffix("}").strip()


def _passed(call: dict, provider_map: Mapping[str, tuple[str, bool]]) -> dict[str, tuple[str, bool]]:
    """The configurations a module call hands down: its `providers` map, or else the unaliased
    ones, which a child inherits implicitly."""
    mapping = _attribute(call, "providers")
    if not isinstance(mapping, dict):
        return {local: (key, True) for local, (key, _) in provider_map.items() if "." not in local}
    passed = {}
    for child_local, parent in mapping.items():
        parent_local = _strip(str(parent))
        key = provider_map.get(parent_local, (parent_local, False))[0]
        passed[child_local.strip('"')] = (key, True)
    return passed


def _provider_config(key: str, body: dict, scope: Scope) -> ProviderConfig:
    auth = scope.evaluate(body["auth"][0]).value if "auth" in body else None
    if "region" not in body:
        return ProviderConfig(key, auth=auth)
    region = scope.evaluate(body["region"][0])
    return ProviderConfig(key, region.value, region.reason if region.value is UNKNOWN else None, auth=auth)


_VARIABLE = re.compile(r"^\$\{var\.([A-Za-z_][\w-]*)\}$")


def _variable_origins(directory: Path, reader: _Reader) -> dict[str, Origin]:
    """Where each root variable's value is written, by the precedence `_root_variables` follows:
    its `default`, then terraform.tfvars(.json), then *.auto.tfvars(.json). Only evidence for
    reviewers: the line is found in the text, the value itself is read by the evaluator."""
    places: dict[str, Origin] = {}
    declared = reader.blocks(directory).variables
    for path in sorted(directory.glob("*.tf")):
        text = read_text(path, reader.shown(path))
        for match in re.finditer(r'^[ \t]*variable[ \t]+"([^"]+)"[ \t]*\{', text, re.MULTILINE):
            if "default" in declared.get(match.group(1), {}):
                line = text.count("\n", 0, match.start()) + 1
                places[match.group(1)] = Origin("variable", match.group(1), reader.shown(path), line)
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json",
             *sorted(directory.glob("*.auto.tfvars")), *sorted(directory.glob("*.auto.tfvars.json"))]
    for path in files:
        if not path.is_file():
            continue
        text = read_text(path, reader.shown(path))
        pattern = r'^[ \t]*"([^"]+)"[ \t]*:' if path.suffix == ".json" else r"^[ \t]*([A-Za-z_][\w-]*)[ \t]*="
        for match in re.finditer(pattern, text, re.MULTILINE):
            if match.group(1) not in declared:
                continue
            line = text.count("\n", 0, match.start()) + 1
            places[match.group(1)] = Origin("variable", match.group(1), reader.shown(path), line)
    return places


def _root_variables(directory: Path, reader: _Reader) -> dict[str, Evaluated]:
    """Defaults, then the files `terraform plan` loads by itself, later files winning."""
    declared = reader.blocks(directory).variables
    values = {name: Evaluated(body["default"][0]) for name, body in declared.items() if "default" in body}
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json",
             *sorted(directory.glob("*.auto.tfvars")), *sorted(directory.glob("*.auto.tfvars.json"))]
    for path in files:
        if not path.is_file():
            continue
        if path.suffix == ".json":
            try:
                assigned = json.loads(read_text(path, reader.shown(path)))
            except json.JSONDecodeError as error:
                raise InputError(f"not valid JSON: {error.msg}", file=reader.shown(path), line=error.lineno) from None
        else:
            assigned = {k: v[0] for k, v in reader.parse(path).items() if isinstance(v, list) and v}
        values.update({k: Evaluated(v) for k, v in assigned.items() if k in declared})
    for name in declared:
        if name not in values:
            values[name] = Evaluated(
                UNKNOWN, f"var.{name} has no value: no default, and no terraform.tfvars or *.auto.tfvars sets it"
            )
    return values
