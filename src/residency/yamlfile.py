"""YAML files read with their line numbers, so that errors can point at the line."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from residency.errors import InputError
from residency.inputs import nesting_bound, read_text

# Configuration files are small; a larger YAML file is a mistake or an attack.
MAX_YAML_BYTES = 16 * 1024 * 1024
# Values a document may expand to once its aliases are followed: a 750-byte "billion laughs"
# document expands to billions, which every later walk over it would pay for.
MAX_YAML_VALUES = 1_000_000
MAX_YAML_NESTING = 64


def load_yaml(path: Path, *, display: str | None = None) -> Any:
    """The document in `path`, as ruamel's commented maps and lists, which remember lines."""
    shown = display or str(path)
    text = read_text(path, shown, limit=MAX_YAML_BYTES)
    try:
        # the pure parser spends several frames per level of nesting
        with nesting_bound(MAX_YAML_NESTING * 12):
            document = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", file=shown, line=mark.line + 1 if mark else None) from None
    except YAMLError as error:
        raise InputError(f"invalid YAML: {error}", file=shown) from None
    except RecursionError:
        raise InputError(f"invalid YAML: nested more than {MAX_YAML_NESTING} levels deep", file=shown) from None
    except (ValueError, TypeError, OverflowError) as error:  # a date like 2027-13-45, an integer of 5,000 digits
        raise InputError(f"invalid YAML value: {error}", file=shown) from None
    _check_expansion(document, shown)
    return document


def _check_expansion(document: Any, shown: str) -> None:
    """Refuse a document whose aliases expand it past MAX_YAML_VALUES, that refers to itself, or
    that nests deeper than MAX_YAML_NESTING. Shared nodes are counted once per use, each computed
    once, so this is linear in the document as written."""
    expanded: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        if depth > MAX_YAML_NESTING:
            raise InputError(f"invalid YAML: nested more than {MAX_YAML_NESTING} levels deep", file=shown)
        key = id(node)
        if key in expanded:
            return expanded[key]
        if key in in_progress:
            raise InputError("invalid YAML: an alias refers to a node that contains it", file=shown)
        in_progress.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        in_progress.discard(key)
        if total > MAX_YAML_VALUES:
            raise InputError(
                f"invalid YAML: the document expands to more than {MAX_YAML_VALUES} values through its aliases",
                file=shown,
            )
        expanded[key] = total
        return total

    size(document, 0)


def line_of(document: Any, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at `path`, or of the nearest parent that has one."""
    node, line = document, None
    for step in path:
        if isinstance(node, CommentedMap) and step in node:
            line = node.lc.key(step)[0] + 1
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lc.item(step)[0] + 1
        else:
            break
        node = node[step]
    if line is None and isinstance(document, (CommentedMap, CommentedSeq)):
        line = document.lc.line + 1
    return line


def plain(node: Any) -> Any:
    """Commented maps and lists as plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, datetime.date):  # YAML reads 2027-01-31 as a date; JSON Schema wants text
        return node.isoformat()
    return node
