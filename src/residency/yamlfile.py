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


def read_text(path: Path, shown: str) -> str:
    """A file's text; a missing or unreadable file is an InputError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=shown) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the file: {error}", file=shown) from None


def load_yaml(path: Path, *, display: str | None = None) -> Any:
    """The document in `path`, as ruamel's commented maps and lists, which remember lines."""
    shown = display or str(path)
    text = read_text(path, shown)
    try:
        return YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", file=shown, line=mark.line + 1 if mark else None) from None
    except YAMLError as error:
        raise InputError(f"invalid YAML: {error}", file=shown) from None


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
