"""The values of a root module's variables, with Terraform's precedence.

Later sources win: the declared defaults, `terraform.tfvars`, `terraform.tfvars.json`, the
`*.auto.tfvars` and `*.auto.tfvars.json` files in lexical order of name, then `-var-file` and `-var`
in command-line order. TF_VAR_* environment variables are never read: like OCI_REGION, they are
not part of the configuration and cannot be reviewed, so a variable set only there has no value
here, and a region that depends on it is a finding.

Variable files a repository ships that Terraform does not load by itself (`prod.tfvars`,
`envs/dev.tfvars`) are deployment inputs: each is an alternative input set, and the configuration
is checked once per set (`input_sets`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inventory import UNKNOWN
from residency.sources.terraform_expressions import Evaluated
from residency.sources.terraform_expressions import constants as constants_scope
from residency.sources.terraform_files import Block, literal, parse_hcl, parse_json, read_source

AUTO_LOADED = ("terraform.tfvars", "terraform.tfvars.json")
COMPLEX_TYPES = ("list", "map", "set", "tuple", "object", "any")
SKIPPED_DIRECTORIES = {".terraform", ".git", "node_modules"}


@dataclass(frozen=True)
class Assignment:
    """A `-var-file FILE` (`file`) or a `-var NAME=VALUE` (`text`), as given on the command line."""

    file: Path | None = None
    text: str | None = None

    @property
    def shown(self) -> str:
        return f"--var-file {self.file}" if self.file is not None else f"--var {self.text}"


@dataclass(frozen=True)
class InputSet:
    """One way the configuration may be planned: the files and values given to `terraform plan`."""

    assignments: tuple[Assignment, ...] = ()
    label: str | None = None  # None: only what Terraform loads by itself

    @property
    def shown(self) -> str:
        return self.label or "the defaults and the automatically loaded variable files"


def input_sets(directory: Path, given: tuple[Assignment, ...]) -> list[InputSet]:
    """The input sets to check: the values given on the command line; else one set per shipped
    variable file that Terraform does not load by itself; else only what Terraform loads."""
    if given:
        return [InputSet(given, " ".join(a.shown for a in given))]
    shipped = shipped_variable_files(directory)
    if not shipped:
        return [InputSet()]
    return [InputSet((Assignment(file=path),), str(path.relative_to(directory))) for path in shipped]


def shipped_variable_files(directory: Path) -> list[Path]:
    """`*.tfvars[.json]` beside the configuration that are not loaded automatically, and those
    in subdirectories holding no Terraform files of their own (`envs/`)."""
    found = [p for p in directory.iterdir() if _is_variable_file(p) and not _auto_loaded(p)]
    for child in sorted(directory.iterdir()):
        if child.is_dir() and not child.is_symlink() and child.name not in SKIPPED_DIRECTORIES \
                and not any(child.glob("*.tf")) and not any(child.glob("*.tf.json")):
            found += [p for p in child.rglob("*") if _is_variable_file(p)]
    return sorted(found)


def _is_variable_file(path: Path) -> bool:
    return path.name.endswith((".tfvars", ".tfvars.json")) and path.is_file()


def _auto_loaded(path: Path) -> bool:
    return path.name in AUTO_LOADED or path.name.endswith((".auto.tfvars", ".auto.tfvars.json"))


@dataclass(frozen=True)
class VariableValue:
    value: Evaluated
    origin: str  # "default at variables.tf:3", "prod.tfvars:2", "--var region=..."
    file: str | None = None  # where the value (or, without one, the declaration) is written
    line: int | None = None
    how: str = ""  # as evidence says it: "has its default at", "is set in", "has no value; it is declared at"


def root_variables(directory: Path, declared: Mapping[str, Block], chosen: InputSet,
                   shown: Callable[[Path], str]) -> dict[str, VariableValue]:
    """Every declared variable's value and where it comes from; one without a value is UNKNOWN."""
    constants = constants_scope()
    values: dict[str, VariableValue] = {}
    for name, block in declared.items():
        if "default" in block.body:
            default = constants.evaluate(block.body["default"][0])
            values[name] = VariableValue(default, f"default at {block.file}:{block.line}", block.file, block.line,
                                         "has its default at")
    automatic = [directory / name for name in AUTO_LOADED]
    automatic += sorted((p for p in directory.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json"))),
                        key=lambda p: p.name)
    for path in automatic:
        if path.exists():
            _assign(values, declared, _variable_file(path, shown(path)), shown(path))
    for assignment in chosen.assignments:
        if assignment.file is not None:
            _assign(values, declared, _variable_file(assignment.file, shown(assignment.file)), shown(assignment.file))
        else:
            name, value = _command_line(assignment.text or "", declared)
            values[name] = VariableValue(constants.evaluate(value), f"--var {name}",
                                         how=f"is set on the command line (--var {name})")
    for name in declared:
        if name not in values:
            block = declared[name]
            values[name] = VariableValue(Evaluated(
                UNKNOWN, f"var.{name} has no value: no default, and no variable file of {chosen.shown} sets it"
            ), "no value", block.file, block.line, "has no value; it is declared at")
    return values


def _assign(values: dict[str, VariableValue], declared: Mapping[str, Block], assigned: dict[str, tuple[Any, int | None]],
            file: str) -> None:
    constants = constants_scope()
    for name, (raw, line) in assigned.items():
        if name in declared:
            values[name] = VariableValue(constants.evaluate(raw), f"{file}:{line}" if line else file, file, line,
                                         "is set in")


def _variable_file(path: Path, shown: str) -> dict[str, tuple[Any, int | None]]:
    """name -> (value as parsed, line) from a .tfvars or .tfvars.json file."""
    text = read_source(path, shown)
    if path.name.endswith(".json"):
        document = parse_json(text, shown)
        if not isinstance(document, dict):
            raise InputError("expected a JSON object of variable values", file=shown)
        return {name: (literal(value), _line_of(text, name)) for name, value in document.items()}
    document = parse_hcl(text, shown)
    assigned = {}
    for name, value in document.items():
        if name.startswith("__"):
            continue
        if not isinstance(value, list) or len(value) != 1:
            raise InputError(f"{name} is assigned more than once", file=shown, key=name)
        assigned[name] = (value[0], _line_of(text, name))
    return assigned


def _command_line(text: str, declared: Mapping[str, Block]) -> tuple[str, Any]:
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise InputError(f"--var {text!r}: expected NAME=VALUE")
    if name not in declared:
        raise InputError(f"--var {name}: the configuration declares no variable {name!r}")
    type_text = str(declared[name].body.get("type", [""])[0])
    if any(kind in type_text for kind in COMPLEX_TYPES):
        parsed = parse_hcl(f"value = {value}\n", f"--var {name}")
        return name, parsed.get("value", [None])[0]
    return name, literal(value)


def _line_of(text: str, name: str) -> int | None:
    assignment = re.compile(r'(^|[{,\s])"?' + re.escape(name) + r'"?\s*[=:]')
    for number, line in enumerate(text.splitlines(), 1):
        if assignment.search(line):
            return number
    return None
