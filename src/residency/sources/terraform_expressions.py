"""Terraform expressions, evaluated as far as they can be before apply.

The HCL parser hands attribute values over as Python values, with every expression kept as a
`${...}` template string. This module parses those expressions (HCL's expression syntax: literals,
templates, tuples and objects, references with attribute and index access, splats, `for`
expressions, conditionals, operators and function calls) and evaluates them where their inputs
are known: variables, locals, `count.index`, `each.key`/`each.value`, module outputs, and the
functions real configurations use. Anything that depends on another resource, a data source, a
variable without a value or a function that needs the cloud is UNKNOWN, with the first reason
why, so a region nobody can read is reported as such, never guessed.

An expression Terraform itself would reject at plan time (an attribute a value does not have, a
bad index) is UNKNOWN too, with what went wrong: the gate does not pass what it cannot read.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from residency.inventory import UNKNOWN
from residency.sources.terraform_functions import FUNCTIONS as NETWORK_FUNCTIONS

# The start of a reference: `a.b` not preceded by a name, a dot or a quote.
REFERENCE = re.compile(r"(?<![\w.\"'-])([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(\[[^\]]*\])?")
NOT_RESOURCES = {"var", "local", "data", "module", "count", "each", "path", "terraform", "self"}
SCOPED = {"var", "local", "count", "each", "module", "path", "terraform"}
MAX_EXPRESSION_DEPTH = 100
MAX_COLLECTION = 100_000  # elements a function (range, for) may build


@dataclass(frozen=True)
class Evaluated:
    value: Any
    reason: str | None = None  # why the value, or a part of it, is UNKNOWN


class _Failed(Exception):
    """An expression Terraform would reject; `try` and `can` catch it."""


class _Unknown(Exception):
    """Raised inside evaluation when a value that decides the result is UNKNOWN."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Scope:
    """What names mean in one module: `lookup(kind, name)` for var, local, count, each and module."""

    def __init__(self, lookup: Callable[[str, str], Evaluated], names: Mapping[str, Any] | None = None):
        self._lookup = lookup
        self._names = dict(names or {})  # names bound in this scope alone: a dynamic block's iterator

    def with_names(self, names: Mapping[str, Any]) -> Scope:
        """This scope with more names bound (`replication_config.value` inside a dynamic block)."""
        return Scope(self._lookup, {**self._names, **names})

    def evaluate(self, raw: Any) -> Evaluated:
        """A value as the HCL parser gives it: a template string, a list, a map or a literal."""
        try:
            return Evaluated(self._raw(raw))
        except _PartlyUnknown as partly:
            return Evaluated(partly.value, partly.reason)
        except _Unknown as unknown:
            return Evaluated(UNKNOWN, unknown.reason)
        except _Failed as failed:
            return Evaluated(UNKNOWN, f"Terraform cannot evaluate it: {failed}")

    def expression(self, text: str) -> Evaluated:
        return self.evaluate("${" + text + "}")

    def evaluator(self) -> _Evaluator:
        """An evaluator of parsed expressions in this scope (terraform_text_parts reads text in parts)."""
        return _Evaluator(self._lookup, self._names)

    def _raw(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return _Evaluator(self._lookup, self._names).run(parse_template(raw))
        if isinstance(raw, list):
            return _collect([lambda item=item: self._raw(item) for item in raw], list)
        if isinstance(raw, dict):
            return _collect({k: (lambda item=item: self._raw(item)) for k, item in raw.items() if not k.startswith("__")}, dict)
        return raw


def constants() -> Scope:
    """The scope of a literal value (a variable default, a .tfvars value): it names nothing."""
    return Scope(lambda kind, name: Evaluated(UNKNOWN, f"{kind}.{name} cannot be used in a literal value"))


def _collect(items, kind):
    """Evaluate every item; an unknown one makes that item UNKNOWN, the first reason is raised
    only when no item is known (so a partly known list keeps what is known)."""
    reasons = []
    if kind is list:
        values = []
        for item in items:
            try:
                values.append(item())
            except _Unknown as unknown:
                values.append(UNKNOWN)
                reasons.append(unknown.reason)
    else:
        values = {}
        for key, item in items.items():
            try:
                values[key] = item()
            except _Unknown as unknown:
                values[key] = UNKNOWN
                reasons.append(unknown.reason)
    if reasons:
        raise _PartlyUnknown(values, reasons[0])
    return values


class _PartlyUnknown(_Unknown):
    """A collection some of whose items are UNKNOWN."""

    def __init__(self, value: Any, reason: str):
        super().__init__(reason)
        self.value = value


def references(text: Any) -> Iterator[str]:
    """`type.name` (with an index when written) of every resource an attribute's expressions
    name; data sources, variables and module outputs are not resources."""
    for first, second, index in _names(text):
        if first not in NOT_RESOURCES:
            yield f"{first}.{second}{index or ''}"


def inputs(text: Any) -> Iterator[str]:
    """`var.x`, `local.x`, `data.t.n` and `module.m.output` named in an attribute's expressions."""
    for first, second, _ in _names(text):
        if first in ("var", "local", "module"):
            yield f"{first}.{second}"
        elif first == "data":
            yield f"data.{second}"


def strings_in(raw: Any) -> Iterator[str]:
    """Every string of a parsed block's content (not the parser's own `__` keys)."""
    if isinstance(raw, str):
        yield raw
    elif isinstance(raw, list):
        for item in raw:
            yield from strings_in(item)
    elif isinstance(raw, dict):
        for key, item in raw.items():
            if not key.startswith("__"):
                yield from strings_in(item)


def _names(raw: Any) -> Iterator[tuple[str, str, str | None]]:
    for text in strings_in(raw):
        if "." in text:
            for match in REFERENCE.finditer(text):
                yield match.groups()
                if match.group(3):  # names in an index are inputs too: var.images[var.region]
                    yield from _names(match.group(3)[1:-1])


# --- parsing ---------------------------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][\w-]*)
  | (?P<string>")
  | (?P<pystring>'(?:[^'\\]|\\.)*')
  | (?P<op>\.\.\.|=>|==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,=()\[\]{}])
""", re.VERBOSE | re.DOTALL)


class ParseError(Exception):
    pass


@lru_cache(maxsize=65536)
def parse_template(text: str) -> tuple:
    """A template string (`"a-${var.x}"`, or a bare `${expr}`) as a syntax tree. Cached: the same
    text is evaluated once per instance of count and for_each."""
    try:
        parts = _Parser(text, 0).template_parts(end=None)
    except (ParseError, RecursionError) as error:
        return ("error", str(error) if isinstance(error, ParseError) else "nested too deeply")
    if len(parts) == 1 and parts[0][0] != "text":
        return parts[0]
    return ("template", tuple(parts))


class _Parser:
    def __init__(self, text: str, position: int):
        self.text = text
        self.position = position
        self.depth = 0

    # templates: literal text with ${...} interpolations (and %{...} directives, not evaluated)
    def template_parts(self, end: str | None) -> list:
        parts, literal = [], []
        text = self.text
        while self.position < len(text):
            char = text[self.position]
            if end is not None and char == end:
                break
            if text.startswith("$${", self.position) or text.startswith("%%{", self.position):
                literal.append(text[self.position + 1:self.position + 3])
                self.position += 3
            elif text.startswith("${", self.position):
                if literal:
                    parts.append(("text", "".join(literal)))
                    literal = []
                self.position += 2
                strip_left = self._eat_strip()
                parts.append(self.expression())
                self._eat_strip()
                self._expect("}")
                if strip_left and parts[:-1] and parts[-2][0] == "text":
                    parts[-2] = ("text", parts[-2][1].rstrip())
            elif text.startswith("%{", self.position):
                self._skip_directive()
                parts.append(("unsupported", "a %{...} template directive"))
            elif end is not None and char == "\\":
                literal.append(self._escape())
            else:
                literal.append(char)
                self.position += 1
        if end is not None:
            if self.position >= len(text):
                raise ParseError("a string is not terminated")
            self.position += 1
        if literal or not parts:
            parts.append(("text", "".join(literal)))
        return parts

    def _eat_strip(self) -> bool:
        if self.text.startswith("~", self.position):
            self.position += 1
            return True
        return False

    def _skip_directive(self) -> None:
        depth, self.position = 1, self.position + 2
        while self.position < len(self.text) and depth:
            depth += {"{": 1, "}": -1}.get(self.text[self.position], 0)
            self.position += 1

    def _escape(self) -> str:
        pair = self.text[self.position:self.position + 2]
        simple = {"\\n": "\n", "\\t": "\t", "\\r": "\r", '\\"': '"', "\\\\": "\\"}
        if pair in simple:
            self.position += 2
            return simple[pair]
        if pair == "\\u":
            code = self.text[self.position + 2:self.position + 6]
            self.position += 6
            try:
                return chr(int(code, 16))
            except ValueError:
                raise ParseError(f"bad escape \\u{code}") from None
        self.position += 1
        return "\\"

    # tokens
    def _peek(self) -> tuple[str, str]:
        text = self.text
        while True:
            match = TOKEN.match(text, self.position)
            if match is None:
                if self.position >= len(text):
                    return ("end", "")
                raise ParseError(f"unexpected character {text[self.position]!r}")
            if match.lastgroup == "space":
                self.position = match.end()
                continue
            return (match.lastgroup, match.group())

    def _next(self) -> tuple[str, str]:
        kind, value = self._peek()
        self.position += len(value)
        return kind, value

    def _at(self, value: str) -> bool:
        kind, token = self._peek()
        return kind in ("op", "name") and token == value

    def _accept(self, value: str) -> bool:
        if self._at(value):
            self._next()
            return True
        return False

    def _expect(self, value: str) -> None:
        _kind, token = self._next()
        if token != value:
            raise ParseError(f"expected {value!r}, found {token or 'the end'!r}")

    # expressions
    def expression(self) -> tuple:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise ParseError(f"nested deeper than {MAX_EXPRESSION_DEPTH} levels")
        condition = self._binary(0)
        if self._accept("?"):
            yes = self.expression()
            self._expect(":")
            no = self.expression()
            condition = ("if", condition, yes, no)
        self.depth -= 1
        return condition

    LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def _binary(self, level: int) -> tuple:
        if level == len(self.LEVELS):
            return self._unary()
        left = self._binary(level + 1)
        while True:
            kind, token = self._peek()
            if kind == "op" and token in self.LEVELS[level]:
                self._next()
                left = ("op", token, left, self._binary(level + 1))
            else:
                return left

    def _unary(self) -> tuple:
        if self._accept("!"):
            return ("not", self._unary())
        if self._accept("-"):
            return ("neg", self._unary())
        return self._postfix(self._primary())

    def _postfix(self, node: tuple) -> tuple:
        while True:
            if self._at(".") and not self.text.startswith("...", self.position):
                self._next()
                kind, token = self._next()
                if token == "*":
                    node = ("splat", node, self._splat_tail())
                elif kind in ("name", "number"):
                    node = ("get", node, ("lit", int(token) if kind == "number" else token))
                else:
                    raise ParseError(f"expected an attribute name after '.', found {token!r}")
            elif self._at("["):
                self._next()
                if self._accept("*"):
                    self._expect("]")
                    node = ("splat", node, self._splat_tail())
                else:
                    index = self.expression()
                    self._expect("]")
                    node = ("get", node, index)
            else:
                return node

    def _splat_tail(self) -> tuple:
        """The accessors after a splat, applied to each element (`x[*].a.b`)."""
        tail: tuple = ("each_item",)
        while self._at(".") or self._at("["):
            if self._accept("."):
                _kind, token = self._next()
                tail = ("get", tail, ("lit", token))
            else:
                self._next()
                index = self.expression()
                self._expect("]")
                tail = ("get", tail, index)
        return tail

    def _primary(self) -> tuple:
        kind, token = self._next()
        if kind == "number":
            return ("lit", float(token) if any(c in token for c in ".eE") else int(token))
        if kind == "string":
            parts = self.template_parts(end='"')
            if len(parts) == 1 and parts[0][0] == "text":
                return ("lit", parts[0][1])
            return ("template", tuple(parts))
        if kind == "pystring":  # the HCL parser writes a list inside a call as a Python literal
            text = ast.literal_eval(token)
            return parse_template(text) if "${" in text else ("lit", text)
        if kind == "name":
            if token in ("true", "false", "True", "False"):
                return ("lit", token in ("true", "True"))
            if token in ("null", "None"):
                return ("lit", None)
            if self._at("("):
                return self._call(token)
            return ("name", token)
        if token == "(":
            inner = self.expression()
            self._expect(")")
            return inner
        if token == "[":
            return self._tuple()
        if token == "{":
            return self._object()
        if token == "<" and self.text.startswith("<<", self.position - 1):
            raise ParseError("a heredoc inside an expression")
        raise ParseError(f"unexpected {token or 'end'!r}")

    def _call(self, name: str) -> tuple:
        self._expect("(")
        arguments, expand = [], False
        while not self._at(")"):
            arguments.append(self.expression())
            if self._accept("..."):
                expand = True
            if not self._accept(","):
                break
        self._expect(")")
        return ("call", name, tuple(arguments), expand)

    def _tuple(self) -> tuple:
        if self._at("for"):
            return self._for("]")
        items = []
        while not self._at("]"):
            items.append(self.expression())
            if not self._accept(","):
                break
        self._expect("]")
        return ("tuple", tuple(items))

    def _object(self) -> tuple:
        if self._at("for"):
            return self._for("}")
        items = []
        while not self._at("}"):
            key = self.expression()
            if not (self._accept("=") or self._accept(":")):
                raise ParseError("expected '=' or ':' in an object")
            items.append((key, self.expression()))
            self._accept(",")  # items may be separated by commas or by new lines
        self._expect("}")
        return ("object", tuple(items))

    def _for(self, closing: str) -> tuple:
        self._expect("for")
        first = self._next()[1]
        second = self._next()[1] if self._accept(",") else None
        self._expect("in")
        collection = self.expression()
        self._expect(":")
        key_or_value = self.expression()
        value = None
        grouped = False
        if closing == "}":
            self._expect("=>")
            value = self.expression()
            grouped = self._accept("...")
        condition = self.expression() if self._accept("if") else None
        self._expect(closing)
        names = (first, second) if second else (None, first)
        return ("for", closing, names, collection, key_or_value, value, condition, grouped)


# --- evaluation ------------------------------------------------------------------------------

class _Evaluator:
    def __init__(self, lookup: Callable[[str, str], Evaluated], local_names: dict[str, Any]):
        self._lookup = lookup
        self._names = local_names
        self._item: Any = None

    def run(self, node: tuple) -> Any:
        return self._eval(node)

    def _eval(self, node: tuple) -> Any:
        value = self._eval_raw(node)
        return _resolve(value, self._lookup) if isinstance(value, _Namespace) else value

    def _eval_raw(self, node: tuple) -> Any:
        """A value, or a namespace (`var`, a resource type) that an access will complete."""
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "error":
            raise _Unknown(f"the expression cannot be read: {node[1]}")
        if kind == "unsupported":
            raise _Unknown(f"{node[1]} is not evaluated before apply")
        if kind == "text":
            return node[1]
        if kind == "template":
            return "".join(_text(self._known(part)) for part in node[1])
        if kind == "name":
            return self._name(node[1])
        if kind == "get":
            return self._get(node[1], node[2])
        if kind == "splat":
            return self._splat(node[1], node[2])
        if kind == "each_item":
            return self._item
        if kind == "tuple":
            return _collect([lambda item=item: self._eval(item) for item in node[1]], list)
        if kind == "object":
            return self._object(node[1])
        if kind == "if":
            condition = self._known(node[1])
            if not isinstance(condition, bool):
                raise _Failed(f"a condition is {_shown(condition)}, not true or false")
            return self._eval(node[2] if condition else node[3])
        if kind == "op":
            return _operate(node[1], self._known(node[2]), lambda: self._known(node[3]))
        if kind == "not":
            value = self._known(node[1])
            if not isinstance(value, bool):
                raise _Failed(f"! applies to a bool, not {_shown(value)}")
            return not value
        if kind == "neg":
            return -_number(self._known(node[1]))
        if kind == "call":
            return self._call(node[1], node[2], node[3])
        if kind == "for":
            return self._for(*node[1:])
        raise _Failed(f"unknown syntax {kind}")

    def _known(self, node: tuple) -> Any:
        """A value that decides the result: an UNKNOWN in it makes the result UNKNOWN."""
        try:
            value = self._eval(node)
        except _PartlyUnknown as partly:
            raise _Unknown(partly.reason) from None
        if value is UNKNOWN:
            raise _Unknown("a value it needs is known only after apply")
        return value

    def _name(self, name: str) -> Any:
        if name in self._names:
            return self._names[name]
        if name in ("var", "local", "count", "each", "module", "path", "terraform", "data", "self"):
            return _Namespace(name)
        return _Namespace("resource", name)

    def _get(self, base_node: tuple, key_node: tuple) -> Any:
        base = self._eval_lenient(base_node)
        key = self._known(key_node)
        return _index(base, key, self._lookup)

    def _eval_lenient(self, node: tuple) -> Any:
        """A collection being indexed: a known element of a partly unknown list stays known."""
        try:
            return self._eval_raw(node)
        except _PartlyUnknown as partly:
            return partly.value

    def _splat(self, base_node: tuple, tail: tuple) -> Any:
        base = self._eval_lenient(base_node)
        if isinstance(base, _Namespace):
            base = _resolve(base, self._lookup)
        if base is UNKNOWN:
            raise _Unknown("a value it needs is known only after apply")
        items = base if isinstance(base, list) else [] if base is None else [base]
        results = []
        for item in items:
            saved, self._item = self._item, item
            try:
                results.append(self._eval(tail))
            finally:
                self._item = saved
        return results

    def _object(self, items: tuple) -> dict:
        result, reasons = {}, []
        for key_node, value_node in items:
            key = key_node[1] if key_node[0] == "name" else self._known(key_node)
            try:
                result[_text(key)] = self._eval(value_node)
            except _Unknown as unknown:
                result[_text(key)] = UNKNOWN
                reasons.append(unknown.reason)
        if reasons:
            raise _PartlyUnknown(result, reasons[0])
        return result

    def _for(self, closing, names, collection_node, key_node, value_node, condition_node, grouped) -> Any:
        collection = self._known(collection_node)
        if isinstance(collection, Mapping):
            pairs = list(collection.items())
        elif isinstance(collection, (list, tuple)):
            pairs = list(enumerate(collection))
        else:
            raise _Failed(f"a for expression cannot iterate over {_shown(collection)}")
        if len(pairs) > MAX_COLLECTION:
            raise _Failed(f"a for expression over more than {MAX_COLLECTION} elements")
        key_name, value_name = names
        results_list, results_map = [], {}
        for key, value in pairs:
            inner = dict(self._names)
            inner[value_name] = value
            if key_name:
                inner[key_name] = key
            evaluator = _Evaluator(self._lookup, inner)
            if condition_node is not None:
                keep = evaluator._known(condition_node)
                if not isinstance(keep, bool):
                    raise _Failed("a for expression's if clause is not true or false")
                if not keep:
                    continue
            if closing == "]":
                results_list.append(evaluator._eval(key_node))
            else:
                out_key = _text(evaluator._known(key_node))
                out_value = evaluator._eval(value_node)
                if grouped:
                    results_map.setdefault(out_key, []).append(out_value)
                elif out_key in results_map:
                    raise _Failed(f"a for expression gives key {out_key!r} twice")
                else:
                    results_map[out_key] = out_value
        return results_list if closing == "]" else results_map

    def _call(self, name: str, argument_nodes: tuple, expand: bool) -> Any:
        name = name.removeprefix("provider::terraform::")
        if name in ("try", "can"):
            return self._try(argument_nodes) if name == "try" else self._can(argument_nodes[0])
        function = FUNCTIONS.get(name)
        if function is None:
            raise _Unknown(f"function {name}() is not evaluated before apply")
        if name in LENIENT:
            arguments = [self._eval_lenient(node) for node in argument_nodes]
            arguments = [_resolve(a, self._lookup) if isinstance(a, _Namespace) else a for a in arguments]
            if name != "coalesce" and any(a is UNKNOWN for a in arguments):
                raise _Unknown(f"a value {name}() needs is known only after apply")
        else:
            arguments = [self._known(node) for node in argument_nodes]
        if expand and arguments:
            last = arguments.pop()
            if not isinstance(last, (list, tuple)):
                raise _Failed(f"... expands a list, not {_shown(last)}")
            arguments.extend(last)
        try:
            return function(*arguments)
        except (_Failed, _Unknown):
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as error:
            raise _Failed(f"{name}(): {error}") from None

    def _try(self, argument_nodes: tuple) -> Any:
        for node in argument_nodes:
            try:
                return self._known(node)
            except _Failed:
                continue
        raise _Failed("no argument of try() can be evaluated")

    def _can(self, node: tuple) -> bool:
        try:
            self._known(node)
        except _Failed:
            return False
        return True


@dataclass(frozen=True)
class _Namespace:
    """`var`, `local`, a resource type... before the attribute access that names a value."""

    kind: str
    name: str | None = None
    path: tuple = ()


def _resolve(space: _Namespace, lookup) -> Any:
    kind, name = space.kind, space.name
    if kind == "data":
        raise _Unknown(f"it comes from data source data.{'.'.join(map(str, space.path[:2]))}, read from the cloud "
                       "only when Terraform plans")
    if kind == "resource":
        raise _Unknown(f"it comes from {name}.{space.path[0] if space.path else '?'}, known only after apply")
    if kind in ("path", "terraform", "self"):
        raise _Unknown(f"{kind}.{name} is not evaluated before apply")
    raise _Failed(f"{kind} is not a value by itself")


def _index(base: Any, key: Any, lookup) -> Any:
    if isinstance(base, _Namespace):
        if base.kind in ("var", "local", "count", "each", "module") and base.name is None:
            result = lookup(base.kind, str(key))
            if result.value is UNKNOWN:
                raise _Unknown(result.reason or f"{base.kind}.{key} is known only after apply")
            return result.value
        if base.kind in ("data", "resource") and len(base.path) < (2 if base.kind == "data" else 1):
            return _Namespace(base.kind, base.name, (*base.path, key))
        return _index(_resolve(base, lookup), key, lookup)
    if base is UNKNOWN:
        raise _Unknown("a value it needs is known only after apply")
    if isinstance(base, Mapping):
        key = _text(key) if isinstance(key, (int, float, bool)) else key
        if key in base:
            return base[key]
        raise _Failed(f"the value has no attribute or key {key!r}")
    if isinstance(base, (list, tuple)):
        if isinstance(key, str) and re.fullmatch(r"-?\d+", key):
            key = int(key)
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(base):
            return base[key]
        raise _Failed(f"index {_shown(key)} is out of range of a list of {len(base)}")
    raise _Failed(f"{_shown(base)} has no attribute or index {_shown(key)}")


def _operate(operator: str, left: Any, right: Callable[[], Any]) -> Any:
    if operator in ("&&", "||"):
        if not isinstance(left, bool):
            raise _Failed(f"{operator} applies to bools, not {_shown(left)}")
        if (operator == "&&" and not left) or (operator == "||" and left):
            return left
        value = right()
        if not isinstance(value, bool):
            raise _Failed(f"{operator} applies to bools, not {_shown(value)}")
        return value
    other = right()
    if operator == "==":
        return _equal(left, other)
    if operator == "!=":
        return not _equal(left, other)
    a, b = _number(left), _number(other)
    if operator == "+":
        return _tidy(a + b)
    if operator == "-":
        return _tidy(a - b)
    if operator == "*":
        return _tidy(a * b)
    if operator == "/":
        if b == 0:
            raise _Failed("division by zero")
        return _tidy(a / b)
    if operator == "%":
        if b == 0:
            raise _Failed("modulo by zero")
        return _tidy(math.fmod(a, b))
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right


# --- conversions shared by the functions ----------------------------------------------------

def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _Failed("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return _tidy(float(value)) if re.fullmatch(r"\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*", value) else _nan(value)
        except OverflowError:
            raise _Failed("a number too large") from None
    raise _Failed(f"{_shown(value)} is not a number")


def _nan(value: str):
    raise _Failed(f"{value!r} is not a number")


def _tidy(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(_tidy(value))
    if isinstance(value, str):
        return value
    if value is None:
        raise _Failed("null cannot be used as text")
    raise _Failed(f"{_shown(value)} is not text")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _Failed(f"{_shown(value)} is not a bool")


def _shown(value: Any) -> str:
    if value is UNKNOWN:
        return "(known after apply)"
    try:
        return json.dumps(value)[:60]
    except (TypeError, ValueError):
        return type(value).__name__


def _list(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.values())
    raise _Failed(f"{_shown(value)} is not a list")


def _set(values: list) -> list:
    """Terraform's sets of strings iterate in lexical order; other sets keep their first order."""
    unique = []
    for value in values:
        if value not in unique:
            unique.append(value)
    if all(isinstance(v, str) for v in unique):
        unique.sort()
    return unique


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, Mapping):
        raise _Failed("lookup() takes a map")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise _Failed(f"the map has no key {key!r}")


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is UNKNOWN:
            raise _Unknown("a value coalesce() needs is known only after apply")
        if value is not None and value != "":
            return value
    raise _Failed("no non-null, non-empty argument to coalesce()")


def _element(values: Any, index: Any) -> Any:
    items = _list(values)
    if not items:
        raise _Failed("element() of an empty list")
    return items[int(_number(index)) % len(items)]


def _format(spec: Any, *arguments: Any) -> str:
    arguments_left = list(arguments)

    def replace(match: re.Match) -> str:
        verb = match.group(2)
        if verb == "%":
            return "%"
        if not arguments_left:
            raise _Failed("format() has too few arguments")
        value = arguments_left.pop(0)
        if verb in "sv":
            text = _text(value) if not isinstance(value, (list, dict)) else json.dumps(value)
            return ("%" + match.group(1) + "s") % text
        if verb == "d":
            return ("%" + match.group(1) + "d") % int(_number(value))
        if verb in "fFeg":
            return ("%" + match.group(1) + verb) % float(_number(value))
        if verb == "q":
            return json.dumps(_text(value))
        if verb == "t":
            return _text(_bool(value))
        raise _Failed(f"format() verb %{verb} is not supported")
    return re.sub(r"%([-+# 0]*\d*(?:\.\d+)?)([a-zA-Z%])", replace, _text(spec))


def _merge(*maps: Any) -> dict:
    merged: dict = {}
    for mapping in maps:
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise _Failed("merge() takes maps")
        merged.update(mapping)
    return merged


def _range(*arguments: Any) -> list:
    numbers = [int(_number(a)) for a in arguments]
    values = range(*numbers)
    if len(values) > MAX_COLLECTION:
        raise _Failed(f"range() of more than {MAX_COLLECTION} numbers")
    return list(values)


def _flatten(values: Any) -> list:
    flat = []
    for value in _list(values):
        flat.extend(_flatten(value) if isinstance(value, (list, tuple)) else [value])
    return flat


def _one(values: Any) -> Any:
    items = _list(values)
    if len(items) > 1:
        raise _Failed("one() of more than one element")
    return items[0] if items else None


def _to_map(value: Any) -> dict:
    if not isinstance(value, Mapping):
        raise _Failed(f"{_shown(value)} is not a map")
    return dict(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((list(v) for v in lists if _list(v)), _nan("no non-empty list")),
    "format": _format,
    "formatlist": lambda spec, *lists: [_format(spec, *items) for items in zip(*[_list(v) for v in lists])],
    "join": lambda separator, *lists: _text(separator).join(_text(v) for items in lists for v in _list(items)),
    "split": lambda separator, text: _text(text).split(_text(separator)),
    "merge": _merge,
    "element": _element,
    "upper": lambda text: _text(text).upper(),
    "lower": lambda text: _text(text).lower(),
    "title": lambda text: _text(text).title(),
    "trimspace": lambda text: _text(text).strip(),
    "trim": lambda text, chars: _text(text).strip(_text(chars)),
    "trimprefix": lambda text, prefix: _text(text).removeprefix(_text(prefix)),
    "trimsuffix": lambda text, suffix: _text(text).removesuffix(_text(suffix)),
    "chomp": lambda text: _text(text).rstrip("\r\n"),
    "replace": lambda text, old, new: _text(text).replace(_text(old), _text(new)),
    "substr": lambda text, offset, length: _text(text)[int(_number(offset)):][:None if int(_number(length)) < 0 else int(_number(length))],
    "startswith": lambda text, prefix: _text(text).startswith(_text(prefix)),
    "endswith": lambda text, suffix: _text(text).endswith(_text(suffix)),
    "strcontains": lambda text, part: _text(part) in _text(text),
    "length": lambda value: len(value) if isinstance(value, (str, list, tuple, Mapping)) else _nan(_shown(value)),
    "concat": lambda *lists: [v for items in lists for v in _list(items)],
    "contains": lambda values, value: value in _list(values),
    "keys": lambda mapping: sorted(_to_map(mapping)),
    "values": lambda mapping: [mapping[k] for k in sorted(_to_map(mapping))],
    "zipmap": lambda keys, values: dict(zip([_text(k) for k in _list(keys)], _list(values), strict=True)),
    "distinct": lambda values: [v for i, v in enumerate(_list(values)) if v not in _list(values)[:i]],
    "compact": lambda values: [v for v in _list(values) if v not in (None, "")],
    "flatten": _flatten,
    "reverse": lambda values: list(reversed(_list(values))),
    "sort": lambda values: sorted(_text(v) for v in _list(values)),
    "slice": lambda values, start, end: _list(values)[int(_number(start)):int(_number(end))],
    "index": lambda values, value: _list(values).index(value),
    "one": _one,
    "range": _range,
    "min": lambda *numbers: _tidy(min(_number(n) for n in numbers)),
    "max": lambda *numbers: _tidy(max(_number(n) for n in numbers)),
    "abs": lambda number: abs(_number(number)),
    "ceil": lambda number: math.ceil(_number(number)),
    "floor": lambda number: math.floor(_number(number)),
    "toset": lambda values: _set(_list(values)),
    "tolist": _list,
    "tomap": _to_map,
    "tostring": lambda value: None if value is None else _text(value),
    "tonumber": lambda value: None if value is None else _number(value),
    "tobool": lambda value: None if value is None else _bool(value),
    "jsonencode": lambda value: json.dumps(value, separators=(",", ":")),
    "jsondecode": lambda text: json.loads(_text(text)),
    "setunion": lambda *sets: _set([v for s in sets for v in _list(s)]),
    "setintersection": lambda first, *rest: _set([v for v in _list(first) if all(v in _list(s) for s in rest)]),
    **NETWORK_FUNCTIONS,  # cidrsubnet, cidrhost, cidrnetmask: computed with ipaddress
    "tobool_": _bool,
}
# Functions that take a collection whose other elements may be unknown (coalesce decides itself).
LENIENT = {"coalesce", "element", "lookup", "length", "keys", "merge"}
del FUNCTIONS["tobool_"]
