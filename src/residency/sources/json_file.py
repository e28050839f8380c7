"""The shapes the JSON sources (plans, states, previews) expect, with errors that name the place."""

from __future__ import annotations

from typing import Any

from residency.errors import InputError


def expect_mapping(value: Any, file: str, key: str) -> dict[str, Any]:
    """An object where one is expected; absent is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("expected an object", file=file, key=key)
    return value


def expect_list(value: Any, file: str, key: str) -> list:
    """A list where one is expected; absent is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("expected a list", file=file, key=key)
    return value
