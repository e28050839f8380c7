"""A Pulumi project on disk: Pulumi.yaml and the Pulumi.<stack>.yaml beside it."""

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

    @property
    def program_file(self) -> Path:
        return self.main / "__main__.py" if self.main.is_dir() else self.main


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
    directory = directory.resolve()  # the program runs with this as its working directory
    main = directory / str(document.get("main") or ".")
    project = PulumiProject(directory=directory, name=name, main=main)
    written = str(document.get("main") or ".")
    if not main.exists():
        problem = f"main is {written}, which does not exist"
    elif not project.program_file.is_file():
        problem = f"main is {written}, which has no __main__.py"
    else:
        return project
    raise InputError(problem, file=str(path), line=line_of(document, ["main"]), key="main")


def load_stack_config(project: PulumiProject, stack: str) -> StackConfig:
    path = project.directory / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return StackConfig(stack=stack, file=None)
    document = load_yaml(path)
    if document is None:
        return StackConfig(stack=stack, file=path)
    if not isinstance(document, dict):
        raise InputError("expected a mapping with a config key", file=str(path))
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InputError("expected config to be a mapping", file=str(path), line=line_of(document, ["config"]), key="config")
    values: dict[str, Any] = {}
    places: dict[str, tuple[str, int | None]] = {}
    for key, value in config.items():
        full_key = str(key) if ":" in str(key) else f"{project.name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full_key] = Secret(UNKNOWN)
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
