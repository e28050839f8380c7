"""Terraform expressions, evaluated as far as they can be before apply.

The HCL parser hands attribute values over as Python values, with every expression kept as a
`${...}` string. Literals, variables, locals, `count.index`, `each.key`/`each.value`, `toset` and
`tolist` of those, templates built from them and the IP network functions (`cidrsubnet`, ...)
are evaluated. Everything else - an attribute of another resource, a data source, another
function, a condition - is UNKNOWN, and the first reason why is kept, so that a region nobody can read is reported as such, never guessed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from residency.inventory import UNKNOWN
from residency.sources.terraform_functions import call, split_call

NAMED_VALUE = re.compile(r"^(var|local|count|each)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]+\])*)$")
ACCESSOR = re.compile(r"\.([A-Za-z_][\w-]*)|\[([^\]]+)\]")
CHAIN = re.compile(r"^([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
CONVERSION = re.compile(r"^(toset|tolist)\((.*)\)$", re.S)
# The start of a reference: `a.b` not preceded by a name, a dot or a quote.
REFERENCE = re.compile(r"(?<![\w.\"'-])([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(\[[^\]]*\])?")
NOT_RESOURCES = {"var", "local", "data", "module", "count", "each", "path", "terraform", "self"}


@dataclass(frozen=True)
class Evaluated:
    value: Any
    reason: str | None = None  # why the value, or a part of it, is UNKNOWN


class Scope:
    """What names mean in one module: `lookup(kind, name)` for var, local, count and each."""

    def __init__(self, lookup: Callable[[str, str], Evaluated]):
        self._lookup = lookup

    def evaluate(self, raw: Any) -> Evaluated:
        if isinstance(raw, str):
            return self._string(raw)
        if isinstance(raw, list):
            items = [self.evaluate(item) for item in raw]
            return Evaluated([i.value for i in items], _first_reason(items))
        if isinstance(raw, dict):
            items = {key: self.evaluate(item) for key, item in raw.items()}
            return Evaluated({k: i.value for k, i in items.items()}, _first_reason(items.values()))
        return Evaluated(raw)

    def _string(self, text: str) -> Evaluated:
        parts = list(_template_parts(text))
        if len(parts) == 1 and parts[0][0] == "expression":
            return self.expression(parts[0][1])
        pieces, reasons = [], []
        for kind, part in parts:
            if kind == "literal":
                pieces.append(part)
                continue
            result = self.expression(part)
            if result.value is UNKNOWN or isinstance(result.value, (dict, list)):
                reasons.append(result.reason or f"`{part}` is not a text value")
            else:
                pieces.append(_text(result.value))
        if reasons:
            return Evaluated(UNKNOWN, reasons[0])
        return Evaluated("".join(pieces))

    def expression(self, expression: str) -> Evaluated:
        expression = expression.strip()
        if NUMBER.match(expression):
            return Evaluated(float(expression) if "." in expression else int(expression))
        if expression in ("true", "false"):
            return Evaluated(expression == "true")
        if expression == "null":
            return Evaluated(None)
        literal = _literal(expression)
        if literal is not None:
            return self.evaluate(literal[0])
        conversion = CONVERSION.match(expression)
        if conversion:
            inner = self.expression(conversion.group(2))
            if isinstance(inner.value, list) and conversion.group(1) == "toset":
                return Evaluated(sorted(set(inner.value), key=str) if _hashable(inner.value) else inner.value, inner.reason)
            return inner
        network_call = split_call(expression)
        if network_call:
            return self._network_function(*network_call)
        named = NAMED_VALUE.match(expression)
        if named:
            kind, name, accessors = named.groups()
            return _access(self._lookup(kind, name), accessors, f"{kind}.{name}")
        chain = CHAIN.match(expression)
        if chain:
            first, second = chain.groups()
            if first == "data":
                return Evaluated(UNKNOWN, f"it comes from data source {expression}, read from the cloud only when Terraform plans")
            if first == "module":
                return Evaluated(UNKNOWN, f"it comes from an output of module.{second}, not evaluated here")
            if first not in NOT_RESOURCES:
                return Evaluated(UNKNOWN, f"it comes from {first}.{second}, known only after apply")
        return Evaluated(UNKNOWN, f"`{expression}` is not evaluated before apply")

    def _network_function(self, name: str, texts: list[str]) -> Evaluated:
        arguments = [self.expression(text) for text in texts]
        unknown = next((a for a in arguments if a.value is UNKNOWN), None)
        if unknown is not None:
            return Evaluated(UNKNOWN, unknown.reason)
        try:
            return Evaluated(call(name, [a.value for a in arguments]))
        except (ValueError, TypeError) as error:
            return Evaluated(UNKNOWN, f"{name}({', '.join(texts)}) fails: {error}")


def references(text: Any) -> Iterator[str]:
    """`type.name` (with an index when written) of every resource an attribute's expressions
    name; data sources, variables and module outputs are not resources."""
    if isinstance(text, str):
        for match in REFERENCE.finditer(text):
            first, second, index = match.groups()
            if first not in NOT_RESOURCES:
                yield f"{first}.{second}{index or ''}"
    elif isinstance(text, list):
        for item in text:
            yield from references(item)
    elif isinstance(text, dict):
        for item in text.values():
            yield from references(item)


def _template_parts(text: str) -> Iterator[tuple[str, str]]:
    """("literal", text) and ("expression", inside of ${...}), braces inside quotes respected."""
    position, literal = 0, []
    while position < len(text):
        if text.startswith("$${", position) or text.startswith("%%{", position):
            literal.append(text[position + 1:position + 3])
            position += 3
        elif text.startswith("${", position) or text.startswith("%{", position):
            end = _closing_brace(text, position + 2)
            if literal:
                yield "literal", "".join(literal)
                literal = []
            inner = text[position + 2:end]
            yield "expression", inner if text[position] == "$" else "%{" + inner + "}"
            position = end + 1
        else:
            literal.append(text[position])
            position += 1
    if literal or not text:
        yield "literal", "".join(literal)


def _closing_brace(text: str, start: int) -> int:
    depth, quote, index = 1, None, start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(text)


def _literal(expression: str) -> tuple[Any] | None:
    """A quoted string or a list/object literal the parser kept as text; None otherwise."""
    if not expression or expression[0] not in "\"'[{":
        return None
    try:
        return (ast.literal_eval(expression),)
    except (ValueError, SyntaxError):
        return None


def _access(result: Evaluated, accessors: str, shown: str) -> Evaluated:
    value = result.value
    for match in ACCESSOR.finditer(accessors or ""):
        if value is UNKNOWN:
            return result
        key = match.group(1)
        if key is None:
            literal = _literal(match.group(2)) or ((int(match.group(2)),) if match.group(2).isdigit() else None)
            key = literal[0] if literal else None
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return Evaluated(UNKNOWN, f"{shown}{accessors} cannot be read from its value")
    return Evaluated(value, result.reason)


def _first_reason(items) -> str | None:
    return next((i.reason for i in items if i.reason), None)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _hashable(values: list) -> bool:
    return all(isinstance(v, (str, int, float, bool)) for v in values)
