"""What a program read from outside itself, as its process reported it (child_outside.py): environment
variables, config keys its stack does not set, files outside the project, the clock, randomness. The
gate runs the program once more with all of them changed (the probe run); what it deploys that changes
with them is decided where it is deployed, not by the reviewed code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHOWN_PARENT_LEVELS = 3  # a file this close to the project is named relative to it


@dataclass(frozen=True)
class ConfigRead:
    """A config key the stack does not set, which the SDK then reads from an environment variable."""

    key: str
    variable: str  # PULUMI_CONFIG_<KEY>
    # A value of the type the program reads it as, other than its default; None for an object without
    # a default, whose shape the gate cannot make up.
    probe: str | None


@dataclass(frozen=True)
class OutsideReads:
    """What one or more runs of the program read from outside it, and what the probe run gives each."""

    environment: tuple[tuple[str, str], ...] = ()  # (name, the value the probe run gives it)
    config: tuple[ConfigRead, ...] = ()
    files: tuple[str, ...] = ()  # absolute paths
    clock: bool = False
    randomness: bool = False

    @classmethod
    def from_child(cls, detail: Any) -> OutsideReads:
        """What the program's process reported; whatever is not of the expected shape is left out."""
        if not isinstance(detail, dict):
            return cls()
        config = detail.get("config")
        return cls(
            environment=tuple(sorted(
                (name, probe) for name, probe in environment.items() if isinstance(name, str) and isinstance(probe, str)
            )) if isinstance(environment := detail.get("environment"), dict) else (),
            config=tuple(
                ConfigRead(key, read["variable"], read["probe"]) for key, read in sorted(config.items())
                if isinstance(read, dict) and isinstance(read.get("variable"), str)
                and isinstance(read.get("probe"), (str, type(None)))
                and read["variable"].startswith("PULUMI_CONFIG_")
            ) if isinstance(config, dict) else (),
            files=tuple(path for path in _strings(detail.get("files")) if os.path.isabs(path)),
            clock=detail.get("clock") is True,
            randomness=detail.get("randomness") is True,
        )

    def __bool__(self) -> bool:
        return bool(self.environment or self.config or self.files or self.clock or self.randomness)

    def __or__(self, other: OutsideReads) -> OutsideReads:
        config = {read.key: read for read in (*other.config, *self.config)}
        return OutsideReads(
            tuple(sorted({**dict(other.environment), **dict(self.environment)}.items())),
            tuple(config[key] for key in sorted(config)),
            tuple(sorted({*self.files, *other.files})), self.clock or other.clock, self.randomness or other.randomness,
        )

    def probe_environment(self, environment: dict[str, str]) -> dict[str, str]:
        """The environment of the probe run: every variable read changed, every config key set."""
        changed = dict(environment)
        changed.update(self.environment)
        for read in self.config:
            if read.probe is not None:
                changed[read.variable] = read.probe
        return changed

    def named(self, project_dir: Path) -> list[str]:
        """Each thing read, as findings and notes name it."""
        return [
            *(f"the environment variable {name}" for name, _ in self.environment),
            *(f"the config key {read.key}, which the stack does not set, from the environment variable {read.variable}"
              + ("" if read.probe is not None else " (an object the gate cannot make up: not changed)")
              for read in self.config),
            *(f"the file {shown_path(path, project_dir)}" for path in self.files),
            *(["the clock"] if self.clock else []),
            *(["randomness"] if self.randomness else []),
        ]


def shown_path(path: str, project_dir: Path) -> str:
    """A file outside the project, named as a reader finds it: under the home directory as ~/..., near
    the project relative to it, else as it is."""
    home = os.path.realpath(os.path.expanduser("~"))
    if home != os.sep and path.startswith(home + os.sep):
        return "~/" + os.path.relpath(path, home)
    relative = os.path.relpath(path, os.path.realpath(project_dir))
    if relative.split(os.sep).count(os.pardir) <= SHOWN_PARENT_LEVELS:
        return relative
    return path


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(sorted({item for item in value if isinstance(item, str)})) if isinstance(value, list) else ()
