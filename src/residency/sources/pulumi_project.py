"""A Pulumi project on disk, read as the Pulumi CLI reads it: Pulumi.yaml (or Pulumi.yml) with its
`main`, `runtime.options.virtualenv`, `stackConfigDir` and project-level `config:`, and the stack's
Pulumi.<stack>.yaml, whose values win over the project's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inventory.model import Origin
from residency.inventory.values import UNKNOWN, UNKNOWN_SENTINEL, Secret
from residency.yamlfile import line_of, load_yaml, plain


@dataclass(frozen=True)
class PulumiProject:
    directory: Path
    name: str
    main: Path  # the directory (or file) the Python runtime runs
    file: Path | None = None  # Pulumi.yaml
    virtualenv: Path | None = None  # runtime.options.virtualenv, resolved against the project
    stack_config_dir: Path | None = None  # stackConfigDir, where Pulumi.<stack>.yaml live
    config: dict[str, Any] = field(default_factory=dict)  # project-level config: "ns:key" -> value
    secret_keys: frozenset[str] = frozenset()  # keys the project declares `secret: true`

    @property
    def program_file(self) -> Path:
        return self.main / "__main__.py" if self.main.is_dir() else self.main

    @property
    def working_directory(self) -> Path:
        """Where the language host runs the program: the `main` directory."""
        return self.main if self.main.is_dir() else self.main.parent

    def stack_file(self, stack: str) -> Path:
        return (self.stack_config_dir or self.directory) / f"Pulumi.{stack}.yaml"


@dataclass(frozen=True)
class StackConfig:
    stack: str
    file: Path | None  # None when the stack has no Pulumi.<stack>.yaml
    values: dict[str, Any] = field(default_factory=dict)  # "ns:key" -> value; secure values as Secret(UNKNOWN)
    places: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # "ns:a.b[0]" -> (text, line)

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def origins(self, written: str) -> tuple[Origin, ...]:
        """The config keys whose plain text value is `written` (regions in any letter case): where a
        program most likely took it from, for a reviewer to find the line to change."""
        wanted = written.casefold()
        file = self.file.name if self.file else None
        return tuple(
            Origin("stack-config", key, file, line, text)
            for key, (text, line) in self.places.items()
            if text.casefold() == wanted
        )

    def as_runtime_config(self) -> tuple[dict[str, str], list[str]]:
        """Config as the Pulumi runtime expects it: strings (structured values as JSON) and secret keys."""
        settings, secret_keys = {}, []
        for key, value in self.values.items():
            if isinstance(value, Secret):
                secret_keys.append(key)
                # An encrypted value cannot be read offline. The program gets Pulumi's marker for an
                # unknown value, which reaches the inventory as unknown wherever the program passes it on.
                value = UNKNOWN_SENTINEL if value.value is UNKNOWN else value.value
            settings[key] = value if isinstance(value, str) else json.dumps(value)
        return settings, secret_keys


def load_project(directory: Path) -> PulumiProject:
    if not directory.is_dir():
        raise InputError("not a directory", file=str(directory))
    path = next((directory / n for n in ("Pulumi.yaml", "Pulumi.yml") if (directory / n).is_file()), None)
    if path is None:
        raise InputError("no Pulumi.yaml here: expected the directory of a Pulumi project", file=str(directory))
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise InputError("expected a mapping with name, runtime and main", file=str(path))
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise InputError("expected a project name", file=str(path), line=line_of(document, ["name"]), key="name")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise InputError(
            f"runtime is {runtime_name!r}: only Python programs can be run offline",
            file=str(path), line=line_of(document, ["runtime"]), key="runtime",
        )
    directory = directory.resolve()
    for key in ("main", "stackConfigDir"):
        if document.get(key) is not None and not isinstance(document.get(key), str):
            raise InputError(f"expected {key} to be a path", file=str(path), line=line_of(document, [key]), key=key)
    main = directory / str(document.get("main") or ".")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if virtualenv is not None and not isinstance(virtualenv, str):
        raise InputError(
            "expected runtime.options.virtualenv to be a path", file=str(path),
            line=line_of(document, ["runtime", "options", "virtualenv"]), key="runtime.options.virtualenv",
        )
    config_dir = document.get("stackConfigDir")
    config, secret_keys = _project_config(document, name, path)
    project = PulumiProject(
        directory=directory, name=name, main=main, file=path,
        virtualenv=directory / str(virtualenv) if virtualenv else None,
        stack_config_dir=directory / str(config_dir) if config_dir else None,
        config=config, secret_keys=secret_keys,
    )
    written = str(document.get("main") or ".")
    try:
        if not main.exists():
            problem = f"main is {written}, which does not exist"
        elif not project.program_file.is_file():
            problem = f"main is {written}, which has no __main__.py"
        else:
            return project
    except OSError as error:  # a name too long for the file system, among others
        problem = f"main is not a usable path: {error.strerror or error}"
    raise InputError(problem, file=str(path), line=line_of(document, ["main"]), key="main")


def _full_key(key: Any, project: str) -> str:
    return str(key) if ":" in str(key) else f"{project}:{key}"


def _project_config(document: dict, name: str, path: Path) -> tuple[dict[str, Any], frozenset[str]]:
    """Pulumi.yaml's `config:`: a key maps to its value, or to `{type, default | value, secret, ...}`."""
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InputError("expected config to be a mapping", file=str(path), line=line_of(document, ["config"]), key="config")
    values: dict[str, Any] = {}
    secret_keys = set()
    for key, declared in config.items():
        full_key = _full_key(key, name)
        if not isinstance(declared, dict):
            values[full_key] = plain(declared)
            continue
        if declared.get("secret") is True:
            secret_keys.add(full_key)
        for given in ("value", "default"):
            if given in declared:
                values[full_key] = _typed(plain(declared[given]), declared.get("type"), document, ["config", key, given], path)
                break
    return values, frozenset(secret_keys)


def _typed(value: Any, kind: Any, document: dict, where: list, path: Path) -> Any:
    expected = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}.get(str(kind))
    if kind is None or expected is None or (isinstance(value, expected) and not (expected is int and isinstance(value, bool))):
        return value
    raise InputError(f"expected a value of type {kind}", file=str(path), line=line_of(document, where), key=str(where[1]))


def load_stack_config(project: PulumiProject, stack: str) -> StackConfig:
    """The stack's config: the project's values and defaults, then Pulumi.<stack>.yaml over them.
    Keys the project declares secret are secret whatever the stack file says."""
    path = project.stack_file(stack)
    values = {key: Secret(value) if key in project.secret_keys else value for key, value in project.config.items()}
    if not path.is_file():
        return StackConfig(stack=stack, file=None, values=values)
    document = load_yaml(path)
    if document is None:
        return StackConfig(stack=stack, file=path, values=values)
    if not isinstance(document, dict):
        raise InputError("expected a mapping with a config key", file=str(path))
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InputError("expected config to be a mapping", file=str(path), line=line_of(document, ["config"]), key="config")
    places: dict[str, tuple[str, int | None]] = {}
    for key, value in config.items():
        full_key = _full_key(key, project.name)
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full_key] = Secret(UNKNOWN)
        elif full_key in project.secret_keys:
            values[full_key] = Secret(plain(value))
        else:
            values[full_key] = plain(value)
            places.update(_text_leaves(full_key, value, ["config", key], document))
    return StackConfig(stack=stack, file=path, values=values, places=places)


def _text_leaves(key: str, node: Any, path: list[Any], document: Any) -> Iterator[tuple[str, tuple[str, int | None]]]:
    """Every text value under a config key, by its dotted key (`ns:dr.region`), with its line."""
    if isinstance(node, dict):
        if set(node) == {"secure"}:
            return
        for name, child in node.items():
            yield from _text_leaves(f"{key}.{name}", child, [*path, name], document)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _text_leaves(f"{key}[{index}]", child, [*path, index], document)
    elif isinstance(node, str):
        yield key, (node, line_of(document, path))


def stack_files_directory(directory: Path) -> Path:
    """Where a project's Pulumi.<stack>.yaml files are (`stackConfigDir`), for listing its stacks."""
    try:
        project = load_project(directory)
    except InputError:
        return directory
    return project.stack_config_dir or project.directory
