"""The residency rules. Each rule is one module in this package with its metadata beside its logic.

Rules are discovered, not listed: every module of this package is imported, and each class
defined in it with a `meta = RuleMeta(...)` of its own is a rule. So a new rule is one module here
(and its fixture folders); the CLI, the Pulumi policy pack, the Checkov checks and the policy
file's rule names all come from RULES (README, "Adding a rule")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from residency.rules.base import Evidence, Rule, RuleMeta, Violation
from residency.rules.context import NeedsGraph, RuleContext


def discover(package: str, path: list[str]) -> tuple[Rule, ...]:
    """The rules defined in the modules of `package` (at `path`), by id."""
    rules: list[Rule] = []
    for module_info in pkgutil.iter_modules(path):
        module = importlib.import_module(f"{package}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and isinstance(cls.__dict__.get("meta"), RuleMeta):
                rules.append(cls())
    for attribute in ("id", "name"):
        seen: dict[str, str] = {}
        for rule in rules:
            value = getattr(rule.meta, attribute)
            if value in seen:  # a policy file could not tell them apart
                raise RuntimeError(f"two rules share the {attribute} {value!r}: {seen[value]} and {type(rule).__name__}")
            seen[value] = type(rule).__name__
    return tuple(sorted(rules, key=lambda rule: rule.meta.id))


RULES: tuple[Rule, ...] = discover(__name__, __path__)

__all__ = ["RULES", "Evidence", "NeedsGraph", "Rule", "RuleContext", "RuleMeta", "Violation"]
