"""JSON files the deployed-state sources read, and the shapes they expect, with errors that name the place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.inputs import parse_json, read_text


def read_json(path: Path) -> Any:
    """A JSON file, read within the bounds every input has (residency.inputs)."""
    return parse_json(read_text(path, str(path)), file=str(path))


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
