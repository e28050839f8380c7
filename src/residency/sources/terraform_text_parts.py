"""Text known only in part before apply, kept in parts: `"Allow group ${var.g} to read objects in
compartment ${var.c}"` with no value for `var.g` is not wholly unknown, its literal words are
known. A template, `format()` with a known format and `join()` of a list whose length is known
give an `inventory.Template` of literal and unknown parts; a reader that knows the text's language
reads the literal words (the IAM rules read policy statements so). Anything else that is unknown
(a `for` over an unknown list, a conditional on an unknown value) stays UNKNOWN.
"""

from __future__ import annotations

import re
from typing import Any

from residency.inventory import UNKNOWN, Template
from residency.sources.terraform_expressions import (
    Scope,
    _Evaluator,  # the module's own evaluator, which reads each known part as `evaluate` does
    _Failed,
    _PartlyUnknown,
    _text,
    _Unknown,
    parse_template,
)

_FORMAT_VERB = re.compile(r"%([-+# 0]*\d*(?:\.\d+)?)([a-zA-Z%])")


def text_in_parts(scope: Scope, raw: Any) -> Any:
    """A value as `scope.evaluate` gives it, but for text known only in part: a Template (a list
    of texts element by element)."""
    if isinstance(raw, list):
        return [text_in_parts(scope, item) for item in raw]
    value = scope.evaluate(raw).value
    if not isinstance(raw, str) or (value is not UNKNOWN and not isinstance(value, list)):
        return value
    node = parse_template(raw)
    evaluator = scope.evaluator()
    if node[0] == "tuple":  # a list written as one expression: `${["Allow ...", ...]}`
        known = value if isinstance(value, list) else [UNKNOWN] * len(node[1])
        return [item if item is not UNKNOWN else _template(_parts(evaluator, element))
                for item, element in zip(known, node[1], strict=True)]
    if value is not UNKNOWN:
        return value
    return _template(_parts(evaluator, node))


def _template(parts: list) -> Any:
    """Adjacent literals joined, adjacent unknowns as one; no literal word left: UNKNOWN."""
    merged: list = []
    for part in parts:
        if merged and isinstance(part, str) and isinstance(merged[-1], str):
            merged[-1] += part
        elif not (merged and part is UNKNOWN and merged[-1] is UNKNOWN) and part != "":
            merged.append(part)
    if not any(isinstance(part, str) for part in merged):
        return UNKNOWN
    if all(isinstance(part, str) for part in merged):
        return "".join(merged)
    return Template(tuple(merged))


def _parts(evaluator: _Evaluator, node: tuple) -> list:
    kind = node[0]
    if kind == "template":
        return [part for child in node[1] for part in _parts(evaluator, child)]
    if kind == "call" and not node[3] and node[1] in ("format", "join"):
        try:
            return _format_parts(evaluator, node[2]) if node[1] == "format" else _join_parts(evaluator, node[2])
        except (_Unknown, _Failed):
            return [UNKNOWN]
    try:
        return [_text(evaluator._known(node))]
    except (_Unknown, _Failed):
        return [UNKNOWN]


def _format_parts(evaluator: _Evaluator, arguments: tuple) -> list:
    """`format(spec, ...)` with a known spec: its literal text, and each `%s`/`%v` as the parts of
    its argument; any other verb only from a known argument."""
    if not arguments:
        raise _Failed("format() needs a format")
    spec = _text(evaluator._known(arguments[0]))
    remaining = list(arguments[1:])
    parts: list = []
    position = 0
    for match in _FORMAT_VERB.finditer(spec):
        parts.append(spec[position:match.start()])
        position = match.end()
        flags, verb = match.groups()
        if verb == "%":
            parts.append("%")
            continue
        if not remaining:
            raise _Failed("format() has too few arguments")
        argument = remaining.pop(0)
        if verb in "sv" and not flags:
            parts += _parts(evaluator, argument)
        else:
            try:
                parts.append(_text(evaluator._known(("call", "format", (("lit", match.group(0)), argument), False))))
            except _Unknown:
                parts.append(UNKNOWN)
    parts.append(spec[position:])
    return parts


def _join_parts(evaluator: _Evaluator, arguments: tuple) -> list:
    """`join(separator, list, ...)` where each list's length is known: the separator between the
    parts of each element."""
    if len(arguments) < 2:
        raise _Failed("join() needs a separator and a list")
    separator = _text(evaluator._known(arguments[0]))
    elements: list[list] = []
    for argument in arguments[1:]:
        if argument[0] == "tuple":
            elements += [_parts(evaluator, element) for element in argument[1]]
            continue
        try:
            items = evaluator._eval(argument)
        except _PartlyUnknown as partly:  # a list of known length, some of whose elements are unknown
            items = partly.value
        if not isinstance(items, list):
            raise _Unknown("a list join() needs is known only after apply")
        elements += [[UNKNOWN] if item is UNKNOWN else [_text(item)] for item in items]
    parts: list = []
    for index, element in enumerate(elements):
        parts += ([separator] if index else []) + element
    return parts
