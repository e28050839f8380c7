"""Other engines' outputs checked against the shape residency reads, before anything is read, so
a field of the wrong type is an input error naming its place rather than a crash further on."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from residency.errors import InputError


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("residency.readers").joinpath("schemas", f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def check_shape(
    value: Any, schema: str, *, file: str, what: str, line: int | None = None, prefix: str = ""
) -> None:
    """Raise an InputError at the deepest place where `value` breaks `schema` (readers/schemas/)."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(value))
    if error is None:
        return
    place = prefix + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path)
    place = place.lstrip(".")
    raise InputError(f"not {what}: {error.message}", file=file, line=line, key=place or None)
