"""How many findings the Markdown comment holds is found in a few renders, and is always what a
bisection over every count finds: the most rows whose comment fits."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from reports_fixtures import saved_document

from residency.render.markdown import MIN_ROW, _most_that_fit, render_markdown


def comment_of(row_lengths: list[int], summary: int):
    """A render whose length is the summary's and the first rows' (rows of any length, as a rule's
    header or a folded section adds to some), counting the renders."""
    ends = [summary, *(summary + total for total in itertools.accumulate(row_lengths))]
    renders = []

    def render(rows: int) -> str:
        renders.append(rows)
        return "x" * ends[rows]

    return render, ends, renders


@settings(max_examples=300, deadline=None)
@given(row_lengths=st.lists(st.integers(MIN_ROW, 2000), max_size=400), summary=st.integers(0, 5000),
       limit=st.integers(1, 40000), know_too_long=st.booleans())
def test_the_most_rows_that_fit_are_found(row_lengths: list[int], summary: int, limit: int, know_too_long: bool) -> None:
    render, ends, renders = comment_of(row_lengths, summary)
    too_many = len(row_lengths) + 1
    ends.append(ends[-1] + limit + 1)  # one more row never fits
    text = _most_that_fit(render, too_many, ends[too_many] if know_too_long else None, limit)
    fitting = [rows for rows, length in enumerate(ends) if length <= limit]
    assert len(text) == (ends[max(fitting)] if fitting else summary)
    assert len(renders) <= 2 * too_many.bit_length() + 2  # never much worse than a bisection


def test_a_long_comment_takes_a_few_renders(monkeypatch) -> None:
    document = saved_document("violations")
    sample = document["findings"]
    findings = [{**sample[i % len(sample)], "resource": {**sample[i % len(sample)]["resource"], "urn": f"u{i}"}}
                for i in range(5000)]
    long_document = json.loads(json.dumps({**document, "findings": findings}))
    from residency.render import markdown

    renders = []
    original = markdown._render
    monkeypatch.setattr(markdown, "_render", lambda *args: renders.append(args[3]) or original(*args))
    text = render_markdown(long_document)
    assert len(text) <= markdown.GITHUB_COMMENT_LIMIT and "**Cut:**" in text
    assert len(renders) <= 6 and max(renders) <= markdown.GITHUB_COMMENT_LIMIT // MIN_ROW + 1
