"""JSON files the deployed-state sources read, with errors that name the file and the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from residency.errors import InputError
from residency.yamlfile import read_text


def read_json(path: Path) -> Any:
    return parse_json(read_text(path, str(path)), str(path))


def parse_json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} (column {error.colno})", file=file, line=error.lineno) from None


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
