"""A Terraform configuration (a directory of .tf and .tf.json files) -> inventory, before any plan.

Read with the HCL parser Checkov uses (bc-python-hcl2), so both see the same file; the files of a
module, their override files and Terraform's JSON syntax are merged as Terraform merges them
(terraform_files). The root module's variables take their values with Terraform's precedence
(terraform_variables); when the repository ships variable files Terraform does not load by
itself, the configuration is read once per such file, each an alternative input set.

Each resource's provider configuration is found as Terraform finds it: the `provider` argument
(`oci.west`) or the module's unaliased `oci`; a module call's `providers` map, or the implicit
inheritance of the unaliased configuration, passes configurations down to modules. Modules are
read from disk: local paths, and what `terraform init` downloaded (`.terraform/modules/
modules.json`). A module that is not on disk cannot be checked: it becomes one record that no
region can be proven for, naming the providers it is handed.

Data sources create nothing, but what they return is read by their provider configuration, in its
region: each is recorded with that configuration, and a value read from one is recorded as a
dependency on it with the attributes it reads (`data.oci_core_images.ol8.images[0].id`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from residency.catalog import CATALOG
from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, Origin, Secret, SourceInfo, SourceLocation, as_declared
from residency.inventory.model import UNREAD_MODULE_TYPE
from residency.sources.terraform_expressions import Evaluated, Scope, constants, inputs, references, strings_in
from residency.sources.terraform_files import (
    META_ARGUMENTS,
    Block,
    ModuleFiles,
    configuration_files,
    is_blocks,
    parse_json,
    read_module,
    read_source,
)
from residency.sources.terraform_graph import (
    ProviderConfig,
    TerraformRecord,
    build_inventory,
    collector_paused,
    merge_inventories,
)
from residency.sources.terraform_text_parts import text_in_parts
from residency.sources.terraform_variables import Assignment, InputSet, input_sets, root_variables

# Text the rules read word by word, so that what is known of it counts when the rest is known only
# after apply: handed over in parts (terraform_text_parts). The IAM rules read policy statements so.
TEXT_IN_PARTS = {"oci_identity_policy": ("statements",)}
MAX_MODULE_DEPTH = 16
MAX_INSTANCES = 100_000  # per resource or module block: count = 50000000 is refused, not expanded
MAX_RECORDS = 1_000_000
LOCAL_SOURCE = ("./", "../")
# A data source and the attributes read from it; `lookup(data.t.n.list[0], "key")` reads `key` too.
DATA_READ = r"data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*(?:\[[^\]]*\]|\.[A-Za-z_][\w-]*)*"
ESCAPED = re.compile(r"\$\$\{[^}]*\}")  # `$${...}` is literal text
OCI_REFERENCE = re.compile(r"(?<![\w.\"'-])(data\.)?(oci_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")
DATA_READS = re.compile(rf"""(?<![\w.\"'-])(?:lookup\(\s*({DATA_READ})\s*,\s*"([^"]*)"|({DATA_READ}))""")


def load_directory(directory: Path, assignments: tuple[Assignment, ...] = ()) -> Inventory:
    if not directory.is_dir():
        raise InputError("not a directory", file=str(directory))
    root = directory.resolve()
    if not configuration_files(root):
        raise InputError("no .tf or .tf.json files here: expected a Terraform configuration directory",
                         file=str(directory))
    with collector_paused():
        return _load(directory, root, input_sets(root, assignments))


def _load(directory: Path, root: Path, sets: list[InputSet]) -> Inventory:
    inventories = []
    for chosen in sets:
        reader = _Reader(root, chosen)
        reader.read_root()
        source = SourceInfo(kind="terraform-hcl", path=str(directory), notes=tuple(reader.notes))
        inventories.append(build_inventory(reader.records, reader.providers, source,
                                           variant=chosen.label if len(sets) > 1 else None,
                                           data_sources=reader.data_sources))
    if len(inventories) == 1:
        return inventories[0]
    checked = "; ".join(s.shown for s in sets)
    note = f"checked once per variable file the repository ships (each as `terraform plan -var-file`): {checked}"
    return merge_inventories(inventories, SourceInfo(kind="terraform-hcl", path=str(directory), notes=(note,)))


@dataclass
class _Variable:
    value: Evaluated
    sources: frozenset[str] = frozenset()  # what an unknown value could come from
    origin: str | None = None  # where the value was written (root variables)
    origins: tuple[Origin, ...] = ()  # where the value was written, for findings: root variables' lines, defaults


class _Reader:
    def __init__(self, root: Path, chosen: InputSet):
        self.root = root
        self.chosen = chosen
        self.records: list[TerraformRecord] = []
        self.data_sources: list[TerraformRecord] = []  # each data block once per module instance
        self.providers: dict[str, ProviderConfig] = {}
        self.notes: list[str] = []
        self._files: dict[Path, ModuleFiles] = {}
        self._downloaded = _downloaded_modules(root)

    def shown(self, path: Path) -> str:
        path = Path(path)
        if not path.is_absolute():
            path = Path.cwd() / path
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def files(self, directory: Path) -> ModuleFiles:
        if directory not in self._files:
            self._files[directory] = read_module(directory, self.shown)
            _refuse_undeclared(self._files[directory])
        return self._files[directory]

    def read_root(self) -> None:
        files = self.files(self.root)
        values = root_variables(self.root, files.variables, self.chosen, self.shown)
        variables = {
            name: _Variable(v.value, frozenset({f"var.{name}"}) if v.value.value is UNKNOWN else frozenset(), v.origin,
                            (_variable_origin(f"var.{name}", v.value.value, v.file, v.line, v.how,
                                              files.variables[name]),))
            for name, v in values.items()
        }
        _ModuleInstance(self, self.root, "", variables, {}).read()


class _ModuleInstance:
    """One instance of a module: its variables, locals, providers, resources and calls."""

    def __init__(self, reader: _Reader, directory: Path, address: str, variables: dict[str, _Variable],
                 provider_map: dict[str, tuple[str, bool]]):
        self.reader = reader
        self.directory = directory
        self.address = address
        self.prefix = f"{address}." if address else ""
        self.files = reader.files(directory)
        self.variables = variables
        self.provider_map = dict(provider_map)  # local key -> (configuration key, passed down by a caller)
        self._locals: dict[str, Evaluated] = {}
        self._local_sources: dict[str, frozenset[str]] = {}
        self._calls: dict[str, tuple[Evaluated, frozenset[str]]] = {}
        self._instance: dict[str, Any] = {}
        self.scope = Scope(self._lookup)

    # names
    def _lookup(self, kind: str, name: str) -> Evaluated:
        if kind == "var":
            variable = self.variables.get(name)
            return variable.value if variable else Evaluated(UNKNOWN, f"var.{name} is not declared")
        if kind == "local":
            if name not in self._locals:
                block = self.files.locals.get(name)
                if block is None:
                    return Evaluated(UNKNOWN, f"local.{name} is not defined")
                self._locals[name] = Evaluated(UNKNOWN, f"local.{name} refers to itself")
                self._locals[name] = self.scope.evaluate(block.body["value"][0])
            return self._locals[name]
        if kind == "module":
            if name not in self.files.modules:
                return Evaluated(UNKNOWN, f"module.{name} is not declared")
            return self.call(name)[0]
        value = self._instance.get(kind, {})
        if name in value:
            return Evaluated(value[name])
        return Evaluated(UNKNOWN, f"{kind}.{name} is not known before apply")

    def sources(self, raw: Any, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        """Every resource (absolute address) and unknown input a value could come from."""
        found = {self.prefix + r for r in references(raw)} | {self.prefix + r for r in _data_reads(raw)}
        for name in inputs(raw):
            kind, _, rest = name.partition(".")
            if name in seen:
                continue
            if kind == "var" and rest in self.variables:
                found |= self.variables[rest].sources
            elif kind == "local" and rest in self.files.locals:
                found |= self.local_sources(rest, seen | {name})
            elif kind == "module" and rest in self.files.modules:
                found |= self.call(rest)[1]
        return frozenset(found)

    def origins(self, raw: Any, seen: frozenset[str] = frozenset()) -> tuple[Origin, ...]:
        """Where the variables a value takes were written (through locals), deepest first."""
        found: dict[Origin, None] = {}
        for name in inputs(raw):
            kind, _, rest = name.partition(".")
            if name in seen:
                continue
            if kind == "var" and rest in self.variables:
                found.update(dict.fromkeys(self.variables[rest].origins))
            elif kind == "local" and rest in self.files.locals:
                found.update(dict.fromkeys(self.origins(self.files.locals[rest].body["value"][0], seen | {name})))
        return tuple(found)

    def origins_by_path(self, body: dict, prefix: str = "") -> dict[str, tuple[Origin, ...]]:
        """The origins of each attribute, and of each field of its nested blocks (`a.b.c`, no indices)."""
        found: dict[str, tuple[Origin, ...]] = {}
        for key, raw in _attributes(body):
            if is_blocks(raw):
                for block in raw:
                    for path, origins in self.origins_by_path(block, f"{prefix}{key}.").items():
                        found[path] = tuple(dict.fromkeys((*found.get(path, ()), *origins)))
            elif origins := self.origins(raw):
                found[prefix + key] = origins
        return found

    def local_expression(self, name: str) -> Any:
        block = self.files.locals.get(name)
        return block.body["value"][0] if block is not None else None

    def local_sources(self, name: str, seen: frozenset[str]) -> frozenset[str]:
        if name not in self._local_sources:
            self._local_sources[name] = frozenset()
            self._local_sources[name] = self.sources(self.files.locals[name].body["value"][0], seen)
        return self._local_sources[name]

    # blocks
    def read(self) -> None:
        for local, block in self.files.providers.items():
            key = f"{self.address}:{local}" if self.address else local
            self.provider_map[local] = (key, False)
            self.reader.providers[key] = self._provider_config(key, block)
        for (type_, name), block in self.files.resources.items():
            self.read_resource(type_, name, block)
        for (type_, name), block in self.files.data_sources.items():
            _no_duplicates(block.body, block, f"data.{type_}.{name}")
            key, inherited = self._provider_of(type_, block.body)
            self.reader.data_sources.append(TerraformRecord(
                address=f"{self.prefix}data.{type_}.{name}", type=type_, values={}, provider=key,
                inherited=inherited, location=SourceLocation(block.file, block.line)))
        for name in self.files.modules:
            self.call(name)

    def read_resource(self, type_: str, name: str, block: Block) -> None:
        body = block.body
        _no_duplicates(body, block, f"{type_}.{name}")
        key, inherited = self._provider_of(type_, body)
        location = SourceLocation(block.file, block.line)
        attribute_sources = {k: self.sources(_region_judged(v)) for k, v in _attributes(body)}
        attribute_origins = self.origins_by_path(body)
        # Terraform treats what takes a sensitive variable's value as sensitive: never shown, as a plan marks it
        sensitive_paths = [path for path, origins in attribute_origins.items() if any(o.secret for o in origins)]
        for index in self.instances(body, block, f"{type_}.{name}"):
            values = _body(body, self.scope)
            for attribute in TEXT_IN_PARTS.get(type_, ()):
                if attribute in values and _unknown_in(values[attribute]):
                    values[attribute] = text_in_parts(self.scope, body[attribute][0], self.local_expression)
            for path in sensitive_paths:
                values = _marked_secret(values, path.split("."))
            refs = {k: tuple(sorted(found)) for k, found in attribute_sources.items() if found}
            self.reader.records.append(TerraformRecord(
                address=f"{self.prefix}{type_}.{name}{index}",
                type=type_,
                values=values,
                provider=key,
                inherited=inherited,
                references=refs,
                location=location,
                origins=attribute_origins,
            ))
            if len(self.reader.records) > MAX_RECORDS:
                raise InputError(f"more than {MAX_RECORDS} resource instances: refused", file=block.file, line=block.line)
        self._instance = {}

    def _provider_of(self, type_: str, body: dict) -> tuple[str, bool]:
        """The configuration a resource or data block uses (its `provider` argument, or the module's
        configuration named after the type's prefix), and whether a caller passes it down."""
        written = _attribute(body, "provider")
        local = _strip(written) if isinstance(written, str) else type_.split("_")[0]
        return self.provider_map.get(local, (f"{self.address}:{local}" if self.address else local, False))

    def instances(self, body: dict, block: Block, shown: str) -> Iterator[str]:
        """The address index of each instance, with count.index / each set while it is read; one
        unindexed instance when count or for_each cannot be known before apply."""
        self._instance = {}
        if "count" in body:
            count = self.scope.evaluate(body["count"][0])
            if count.value is not UNKNOWN:
                number = as_declared(count.value, "number")  # Terraform converts "2" to 2
                if isinstance(number, float) and number.is_integer():
                    number = int(number)
                if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                    raise InputError(f"{shown}: count must be a whole number of at least 0, not {number!r}",
                                     file=block.file, line=block.line, key="count")
                _bounded(number, block, shown, "count")
                for index in range(number):
                    self._instance = {"count": {"index": index}}
                    yield f"[{index}]"
                return
        elif "for_each" in body:
            each = self.scope.evaluate(body["for_each"][0])
            if isinstance(each.value, Mapping):
                items = list(each.value.items())
            elif isinstance(each.value, list):
                items = [(v, v) for v in each.value]
            elif each.value is UNKNOWN:
                items = None
            else:
                raise InputError(f"{shown}: for_each must be a map or a set of strings", file=block.file,
                                 line=block.line, key="for_each")
            if items is not None:
                _bounded(len(items), block, shown, "for_each")
                for key, value in items:
                    if key is UNKNOWN or not isinstance(key, str):
                        break
                    self._instance = {"each": {"key": key, "value": value}}
                    yield f"[{json.dumps(key)}]"
                else:
                    return
        self._instance = {"count": {}, "each": {}} if ("count" in body or "for_each" in body) else {}
        yield ""

    # module calls
    def call(self, name: str) -> tuple[Evaluated, frozenset[str]]:
        """Read a module call (each instance), once; its outputs, and what they could come from."""
        if name in self._calls:
            return self._calls[name]
        self._calls[name] = (Evaluated(UNKNOWN, f"module.{name} uses its own outputs"), frozenset())
        caller_instance = self._instance  # asked for an output while an instance of a block is read
        try:
            self._calls[name] = self._read_call(name)
        finally:
            self._instance = caller_instance
        return self._calls[name]

    def _read_call(self, name: str) -> tuple[Evaluated, frozenset[str]]:
        block = self.files.modules[name]
        body = block.body
        _no_duplicates(body, block, f"module.{name}")
        address = f"{self.prefix}module.{name}"
        if address.count("module.") > MAX_MODULE_DEPTH:
            raise InputError(f"modules nest deeper than {MAX_MODULE_DEPTH} levels: a module calls itself?",
                             file=block.file, line=block.line)
        source = _attribute(body, "source")
        child = self._module_directory(name, source, block)
        if child is None:
            self._unread(address, source, body, block)
            return (Evaluated(UNKNOWN, f"module.{name} comes from {source!r}, which is not on disk"),
                    frozenset({address}))
        outputs: dict[str, Any] | list = [] if "count" in body else {}
        sources: set[str] = set()
        reasons = []
        for index in self.instances(body, block, f"module.{name}"):
            instance = self._instance
            variables = self._call_variables(child, address + index, body)
            self._instance = {}
            module = _ModuleInstance(self.reader, child, address + index, variables, _passed(body, self.provider_map))
            module.read()
            values, found, reason = module.outputs()
            sources |= found
            if reason:
                reasons.append(reason)
            if "count" in body and index:
                outputs.append(values)
            elif "for_each" in body and index:
                outputs[json.loads(index[1:-1])] = values
            else:
                outputs = values
            self._instance = instance
        return Evaluated(outputs, reasons[0] if reasons else None), frozenset(sources)

    def outputs(self) -> tuple[dict[str, Any], set[str], str | None]:
        values, sources, reason = {}, set(), None
        for name, block in self.files.outputs.items():
            raw = block.body.get("value", [None])[0]
            evaluated = self.scope.evaluate(raw)
            values[name] = evaluated.value
            reason = reason or evaluated.reason
            sources |= self.sources(raw)
        return values, sources, reason

    def _call_variables(self, child: Path, address: str, call: dict) -> dict[str, _Variable]:
        passed = {k: v[0] for k, v in call.items()
                  if k not in {"source", "version", "providers", *META_ARGUMENTS} and not k.startswith("__")}
        variables = {}
        for name, declaration in self.reader.files(child).variables.items():
            if name in passed:
                variables[name] = _Variable(self.scope.evaluate(passed[name]), self.sources(passed[name]),
                                            origins=self.origins(passed[name]))
            elif "default" in declaration.body:
                default = constants().evaluate(declaration.body["default"][0])
                variables[name] = _Variable(default, origin=f"default at {declaration.file}:{declaration.line}",
                                            origins=(_variable_origin(f"var.{name} of {address}", default.value,
                                                                      declaration.file, declaration.line,
                                                                      "has its default at", declaration),))
            else:
                variables[name] = _Variable(
                    Evaluated(UNKNOWN, f"var.{name} of {address} has no value: the module call does not pass it"),
                    frozenset({f"{address}.var.{name}"}))
        return variables

    def _module_directory(self, name: str, source: Any, block: Block) -> Path | None:
        if isinstance(source, str) and source.startswith(LOCAL_SOURCE):
            child = (self.directory / source).resolve()
            if not child.is_dir():
                raise InputError(f"module {name}: source {source} is not a directory", file=block.file, line=block.line)
            return child
        key = ".".join(part for part in (self.prefix.replace("module.", "") + name).split(".") if part)
        downloaded = self.reader._downloaded.get(_without_indices(key))
        return downloaded if downloaded is not None and downloaded.is_dir() else None

    def _unread(self, address: str, source: Any, body: dict, block: Block) -> None:
        handed = _passed(body, self.provider_map)
        self.reader.records.append(TerraformRecord(
            address=address,
            type=UNREAD_MODULE_TYPE,
            values={"source": source},
            provider=handed.get("oci", (None, True))[0],
            inherited=True,
            location=SourceLocation(block.file, block.line),
            unread_because=(f"{address} comes from {source!r}, which is not on disk (run `terraform init` to "
                            f"download it), so what it creates cannot be checked; it is handed "
                            f"{_handed(handed) or 'no provider configuration'}"),
        ))

    def _provider_config(self, key: str, block: Block) -> ProviderConfig:
        body = block.body
        _no_duplicates(body, block, f'provider "{key}"')
        auth, auth_reason = None, None
        if "auth" in body:
            evaluated = self.scope.evaluate(body["auth"][0])
            auth, auth_reason = evaluated.value, evaluated.reason
        block_origin = (Origin("provider", key, block.file, block.line),)  # for reports: the block to change
        if "region" not in body:
            return ProviderConfig(key, auth=auth, auth_unknown_because=auth_reason, origins=block_origin)
        raw = body["region"][0]
        region = self.scope.evaluate(raw)
        origin = None
        if isinstance(raw, str) and raw.startswith("${var.") and raw.endswith("}"):
            variable = self.variables.get(raw[6:-1].strip())
            origin = f"{raw[2:-1]}, {variable.origin}" if variable and variable.origin else None
        origins = self.origins(raw)
        # a region from a sensitive variable is a secret: a finding could not say which region it is
        value = Secret(region.value) if any(o.secret for o in origins) else region.value
        return ProviderConfig(key, value, region.reason if region.value is UNKNOWN else None, auth=auth,
                              auth_unknown_because=auth_reason, origin=origin, origins=(*origins, *block_origin))


def _variable_origin(name: str, value: Any, file: str | None, line: int | None, how: str,
                     declaration: Block) -> Origin:
    """Where a variable's value was written; its value shown only when it is text and not sensitive."""
    sensitive = _attribute(declaration.body, "sensitive") in (True, "true", "${true}")
    shown = value if isinstance(value, str) and not sensitive else None
    return Origin("variable", name, file, line, shown, how, secret=sensitive)


def _marked_secret(value: Any, path: list[str]) -> Any:
    """`value` with the field at `path` (through every block of a nested list) made a Secret."""
    if isinstance(value, list):
        return [_marked_secret(item, path) for item in value]
    if not isinstance(value, dict) or path[0] not in value:
        return value
    inner = value[path[0]]
    marked = _marked_secret(inner, path[1:]) if len(path) > 1 else inner if isinstance(inner, Secret) else Secret(inner)
    return {**value, path[0]: marked}


def _bounded(number: int, block: Block, shown: str, argument: str) -> None:
    if number > MAX_INSTANCES:
        raise InputError(f"{shown}: {argument} makes {number} instances, more than the {MAX_INSTANCES} this "
                         "reader expands", file=block.file, line=block.line, key=argument)


def _attributes(body: dict) -> Iterator[tuple[str, Any]]:
    for key, raw in body.items():
        if key in META_ARGUMENTS or key.startswith("__"):
            continue
        if key == "dynamic":
            for entry in raw:
                yield from entry.items()
        else:
            yield key, raw


def _body(body: dict, scope: Scope, nested: bool = False) -> dict[str, Any]:
    """A resource body (or a nested block's) in Terraform's shapes: blocks as lists of objects,
    `dynamic` blocks generated where their for_each is known."""
    values: dict[str, Any] = {}
    for key, raw in body.items():
        if key.startswith("__") or (key in META_ARGUMENTS and not nested):
            continue
        if key == "dynamic":
            for entry in raw:
                for name, spec in entry.items():
                    values[name] = _more_blocks(values.get(name), _dynamic(name, spec, scope))
            continue
        values[key] = _more_blocks(values.get(key), _value(raw, scope)) if key in values else _value(raw, scope)
    return values


def _value(raw: list, scope: Scope) -> Any:
    if is_blocks(raw):
        return [_body(block, scope, nested=True) for block in raw]
    return scope.evaluate(raw[0]).value


def _refuse_undeclared(files: ModuleFiles) -> None:
    """A reference to an OCI resource or data source the module does not declare is an error for
    Terraform (`Reference to undeclared resource`), and so it is here: nothing it names can be read."""
    blocks = [*files.resources.values(), *files.data_sources.values(), *files.locals.values(), *files.outputs.values(),
              *files.modules.values()]
    for block in blocks:
        for text in _interpolated(block.body):
            for data, type_, name in OCI_REFERENCE.findall(ESCAPED.sub("", text)):
                declared = files.data_sources if data else files.resources
                if (type_, name) not in declared and (data or CATALOG.is_oci_terraform_type(type_)):
                    kind = "data source" if data else "managed resource"
                    raise InputError(f"reference to undeclared resource: a {kind} {type_}.{name} is not declared in "
                                     "this module", file=block.file, line=block.line)


def _interpolated(raw: Any) -> Iterator[str]:
    """Every string of a block that holds an expression (`${...}`)."""
    return (text for text in strings_in(raw) if "${" in text)


def _region_judged(raw: Any) -> Any:
    """A block's content without the fields that take the OCID of something region-less (a nested
    `compartment_id`): where those come from ties the block to no region. A top-level one is kept (the
    rules follow a resource's compartment through it)."""
    if not is_blocks(raw):
        return raw
    return [{k: _region_judged(v) for k, v in block.items() if not CATALOG.names_region_less(k)} for block in raw]


def _data_reads(raw: Any) -> Iterator[str]:
    """Every data source an attribute's expressions read, with the attributes they read from it."""
    for text in strings_in(raw):
        if "data." in text:
            for match in DATA_READS.finditer(text):
                looked_up, key, plain = match.groups()
                yield plain or f"{looked_up}.{key}"
                for index in re.findall(r"\[([^\]]*)\]", looked_up or plain):  # data.t.n.list[data.u.m.index]
                    yield from _data_reads(index)


def _dynamic(name: str, spec: Any, scope: Scope) -> Any:
    """The blocks a `dynamic` block generates: one per element of its for_each, its content read
    with the iterator (`name.key`, `name.value`) bound. UNKNOWN when for_each is known only after
    apply: how many blocks there are, and what they hold, cannot be known."""
    if not isinstance(spec, dict):
        return UNKNOWN
    for_each = scope.evaluate(_attribute(spec, "for_each")).value
    if isinstance(for_each, Mapping):
        items = list(for_each.items())
    elif isinstance(for_each, list):
        items = list(enumerate(for_each))
    else:
        return UNKNOWN
    content = _attribute(spec, "content")
    iterator = _strip(str(_attribute(spec, "iterator") or name))
    if not isinstance(content, dict) or len(items) > MAX_INSTANCES:
        return UNKNOWN
    return [_body(content, scope.with_names({iterator: {"key": key, "value": value}}), nested=True)
            for key, value in items]


def _more_blocks(have: Any, more: Any) -> Any:
    """Blocks of one type written statically and generated by dynamic blocks, together."""
    if have is None:
        return more
    if have is UNKNOWN or more is UNKNOWN or not isinstance(have, list) or not isinstance(more, list):
        return UNKNOWN
    return have + more


def _unknown_in(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_unknown_in(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown_in(v) for v in value)
    return False


def _no_duplicates(body: dict, block: Block, shown: str) -> None:
    """HCL allows an attribute once per block; the parser keeps both values of a repeated one."""
    for key, raw in body.items():
        if isinstance(raw, list) and len(raw) > 1 and not is_blocks(raw) and key not in ("dynamic", "provisioner"):
            raise InputError(f"{shown}: attribute {key} is set more than once", file=block.file, line=block.line, key=key)


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


def _handed(passed: Mapping[str, tuple[str, bool]]) -> str:
    return ", ".join(f"{local} = {key}" for local, (key, _) in sorted(passed.items()))


def _downloaded_modules(root: Path) -> dict[str, Path]:
    """Module key ("net", "net.subnets") -> directory, from `terraform init`'s manifest."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    if not manifest.is_file():
        return {}
    shown = str(manifest.relative_to(root))
    document = parse_json(read_source(manifest, shown), shown)
    modules = document.get("Modules") if isinstance(document, dict) else None
    found = {}
    for entry in modules if isinstance(modules, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Dir"), str) and entry.get("Key") \
                and isinstance(entry["Key"], str):
            found[entry["Key"]] = (root / entry["Dir"]).resolve()
    return found


def _without_indices(key: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", key)
