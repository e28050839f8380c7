"""Parts of a statement known only after apply ("holes"), marked inside the names and values
that stand in their place, so that the typed statement says which of its words are unknown."""

from __future__ import annotations

import re

_MARK = "__residency_hole_{}__"
_HOLE = re.compile(r"__residency_hole_\d+__", re.IGNORECASE)


def hole(index: int) -> str:
    return _MARK.format(index)


def has_hole(text: str | None) -> bool:
    return text is not None and _HOLE.search(text) is not None


def shown(text: str) -> str:
    """The text as a reader wrote it: each hole as `${...}`."""
    return _HOLE.sub("${...}", text)
