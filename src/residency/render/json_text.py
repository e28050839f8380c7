"""JSON text exactly as `json.dumps(value, indent=2)` writes it, a piece at a time and several times
faster.

The standard library lays out indented JSON in pure Python (its C encoder serves only compact
output): the findings document of a large plan, tens of thousands of findings, took seconds. Here the
document's keys are laid out by hand and its long lists (the findings) a run of items at a time; each
value or run is encoded compactly, then given its line breaks and indentation by
`msgspec.json.format`, which changes only the whitespace outside strings. A large document is never
held whole as text.

The compact encoding is msgspec's where it is provably the standard library's: a value of only
strings, integers, booleans and None, in lists and dicts with string keys (msgspec writes floats and
other types in its own way), whose text needs no escape the two write differently (with
`ensure_ascii`, msgspec's text must be ASCII without DEL). Anything else is encoded by the standard
library's C encoder."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

INDENT = "  "
RUN = 256  # items of a long list encoded at once: few calls per item, a small piece of text per run
_SCALARS = frozenset({str, int, bool, type(None)})  # exactly these types: a subclass (an Enum) may differ
_STRING = frozenset({str})
_MSGSPEC = msgspec.json.Encoder()


def indented_json(value: Any, *, ensure_ascii: bool = True) -> Iterator[str]:
    """The text of `json.dumps(value, indent=2, ensure_ascii=ensure_ascii)`, in pieces."""
    compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii)
    if isinstance(value, dict) and value and all(isinstance(key, str) for key in value):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield f"{',' if index else ''}\n{INDENT}{compact.encode(key)}: "
            yield from _value(item, 1, compact)
        yield "\n}"
    else:
        yield from _value(value, 0, compact)


def _value(value: Any, depth: int, compact: json.JSONEncoder) -> Iterator[str]:
    if isinstance(value, (list, tuple)) and len(value) > RUN:
        yield from _in_runs(value, depth, compact)
    else:
        yield _whole(value, depth, compact)


def _in_runs(items: Sequence[Any], depth: int, compact: json.JSONEncoder) -> Iterator[str]:
    """A long list, `depth` levels down, encoded RUN items at a time: each run is laid out as a list
    of its own at that depth, whose items are the list's items, and the runs' items are joined."""
    yield "["
    for start in range(0, len(items), RUN):
        yield ("," if start else "") + _whole(list(items[start:start + RUN]), depth, compact, items_only=True)
    yield "\n" + INDENT * depth + "]"


def _whole(value: Any, depth: int, compact: json.JSONEncoder, *, items_only: bool = False) -> str:
    """`value` laid out as `depth` levels down in a larger document; with `items_only`, the items of
    a list that is not empty, without its brackets. It is formatted inside `depth` lists, which are
    cut off again: cheaper than indenting each of its lines afterwards."""
    opening = "".join("[\n" + INDENT * (level + 1) for level in range(depth))
    closing = "".join("\n" + INDENT * level + "]" for level in reversed(range(depth)))
    if items_only:
        opening, closing = opening + "[", "\n" + INDENT * depth + "]" + closing
    encoded = _by_msgspec(value, compact.ensure_ascii)
    if encoded is not None:
        formatted = msgspec.json.format(b"[" * depth + encoded + b"]" * depth, indent=len(INDENT))
        return str(memoryview(formatted)[len(opening):len(formatted) - len(closing)], "utf-8")
    nested = value
    for _ in range(depth):
        nested = [nested]
    try:
        text = msgspec.json.format(compact.encode(nested), indent=len(INDENT))
    except (msgspec.DecodeError, UnicodeEncodeError):
        # NaN or Infinity, which JSON has no word for, or a lone surrogate kept as it is
        # (ensure_ascii=False): only the standard library writes them
        text = json.dumps(nested, indent=len(INDENT), ensure_ascii=compact.ensure_ascii)
    return text[len(opening):len(text) - len(closing)]


def _by_msgspec(value: Any, ensure_ascii: bool) -> bytes | None:
    """`value` encoded compactly by msgspec, or None when its text might differ from the standard
    library's."""
    try:
        if not _plain(value):
            return None
    except RecursionError:  # a circular or very deep value: the standard library says which
        return None
    try:
        encoded = _MSGSPEC.encode(value)
    except UnicodeEncodeError:  # a lone surrogate, which only the standard library writes
        return None
    if ensure_ascii and (not encoded.isascii() or b"\x7f" in encoded):
        return None
    return encoded


def _plain(value: Any) -> bool:
    """Only strings, integers, booleans and None, in lists and in dicts with string keys."""
    kind = type(value)
    if kind is dict:
        if not _STRING.issuperset(map(type, value)):
            return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind in _SCALARS
    for item in items:  # a loop rather than all(): this runs for every value of a large document
        if type(item) not in _SCALARS and not _plain(item):
            return False
    return True
