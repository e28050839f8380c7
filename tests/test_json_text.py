"""The JSON the gate prints and saves is the standard library's `json.dumps(indent=2)` text to the
byte, however it is encoded (msgspec where provably the same, the C encoder elsewhere, in runs)."""

from __future__ import annotations

import enum
import io
import json
import math
from contextlib import redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency.cli.common import echo_json
from residency.render.formats import render_json
from residency.render.json_text import RUN, indented_json

# What msgspec and the standard library write differently: non-ASCII, DEL, control characters,
# lone surrogates, floats in exponent notation, NaN and infinities.
TEXT = st.text(st.sampled_from(["a", "é", "\x7f", "\x00", "\x1f", "\n", '"', "\\", "/", "\u2028", "😀", "\ud800", " "]))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), TEXT,
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e16, 1e-05, -0.0, 1.5e300, 0.1]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.tuples(children, children),
        st.dictionaries(TEXT, children, max_size=4),
        st.dictionaries(st.one_of(st.integers(-3, 3), st.booleans(), st.none()), children, max_size=3),
    ),
    max_leaves=12,
)


class Colour(str, enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


def text(value: object, ensure_ascii: bool = True) -> str:
    return "".join(indented_json(value, ensure_ascii=ensure_ascii))


@settings(max_examples=300, deadline=None)
@given(value=VALUES, ensure_ascii=st.booleans())
def test_any_value_is_written_as_the_standard_library_writes_it(value: object, ensure_ascii: bool) -> None:
    assert text(value, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(st.dictionaries(st.sampled_from(["a", "b"]), SCALARS, max_size=2), max_size=3 * RUN + 5),
       ensure_ascii=st.booleans())
def test_a_long_list_in_runs_is_the_same_text(items: list, ensure_ascii: bool) -> None:
    document = {"version": "1.2", "findings": items, "summary": {"findings": len(items)}, "empty": []}
    assert text(document, ensure_ascii) == json.dumps(document, indent=2, ensure_ascii=ensure_ascii)
    assert text(items, ensure_ascii) == json.dumps(items, indent=2, ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("value", [
    {"findings": [{"name": f"r{i}", "level": Colour.RED, "size": Size.BIG} for i in range(RUN + 1)]},
    {"findings": [{"x": math.nan}] + [{"x": 1}] * RUN, "rules": ({"id": "RES001"},) * (RUN + 2)},
    {"findings": [{"name": "us-ashburn-1"}] * RUN + [{"name": "caf\u00e9\x7f"}]},
    {1: "a", "b": [1, 2]},
    [], {}, "", None, 0, [[]], {"a": {}},
])
def test_what_msgspec_would_write_otherwise_goes_to_the_standard_library(value: object) -> None:
    for ensure_ascii in (True, False):
        assert text(value, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


def test_what_the_standard_library_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        text({"when": object()})
    circular: list = []
    circular.append(circular)
    with pytest.raises(ValueError):
        text({"findings": circular})


def test_stdout_and_the_json_report_are_the_standard_librarys_text_with_a_newline() -> None:
    document = {"findings": [{"name": f"b\u00e9{i}", "line": i} for i in range(2 * RUN + 1)], "passed": False}
    out = io.StringIO()
    with redirect_stdout(out):
        echo_json(document)
    assert out.getvalue() == json.dumps(document, indent=2) + "\n"
    assert render_json(document) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
