"""Markdown for pull-request comments: short, grouped by rule, long lists collapsed, and never
longer than a GitHub comment may be (findings that do not fit are cut, and the comment says so)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from residency.render.document import RuleGroup, group_by_cause, group_findings, verified_summary
from residency.render.templates import render_template

GITHUB_COMMENT_LIMIT = 65_536  # characters in an issue or pull-request comment body
COLLAPSE_AFTER = 5  # a rule with more findings shows them folded
CAUSE_LIMIT = 10  # causes listed in the comment; the HTML report lists them all
NEW_LIMIT = 20  # new findings listed first when there is a baseline
MIN_ROW = 30  # characters: no finding's table row is shorter
ACCESS_ROWS = 30  # grants shown per compartment in the access view; the HTML report shows them all
MARKER = Markup("<!-- residency-report -->")  # lets a CI job find and update its previous comment


@dataclass
class _Section:
    group: RuleGroup
    rows: list[tuple[Mapping[str, Any], Mapping[str, Any]]]  # (compartment name, finding) shown
    hidden: int


def render_markdown(document: Mapping[str, Any], *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    groups = group_findings(document)
    rows = [[(c.compartment, f) for c in group.compartments for r in c.resources for f in r.findings] for group in groups]
    shared = {"summary": verified_summary(document), "causes": group_by_cause(document)}

    def render(budget: int) -> str:
        return _render(document, groups, rows, budget, limit, shared)

    total = len(document["findings"])
    # a row takes at least MIN_ROW characters: more rows than this never fit, and are not rendered
    too_many = min(total, limit // MIN_ROW + 1)
    too_long = None
    if too_many == total:
        text = render(total)
        if len(text) <= limit:
            return text
        too_long = len(text)
    text = _most_that_fit(render, too_many, too_long, limit)
    if len(text) > limit:  # even the summary alone is too long: keep its start
        cut = f"\n\n**Cut:** the rest of this report is longer than a comment may be ({limit:,} characters).\n"
        text = text[: limit - len(cut)] + cut
    return text


def _most_that_fit(render: Callable[[int], str], too_many: int, too_long: int | None, limit: int) -> str:
    """The comment with the most rows that fit in `limit` characters (with none, if none do), knowing
    that `too_many` rows do not (`too_long`: that comment's length, if rendered). The length grows
    with the rows, nearly in proportion: each guess is where the line through the last two lengths
    crosses the limit, or halfway when there is no such line yet or three guesses did not halve the
    range. It finds what a bisection finds, in a few renders rather than a dozen."""
    fits, text = 0, render(0)
    if len(text) > limit:
        return text
    last = [(0, len(text))] if too_long is None else [(0, len(text)), (too_many, too_long)]
    spans = [too_many]
    while too_many - fits > 1:
        if len(last) < 2 or (len(spans) > 3 and too_many - fits > spans[-4] // 2):
            guess = (fits + too_many) // 2
        else:
            (rows, length), (other_rows, other_length) = last[-2:]
            slope = (other_length - length) / (other_rows - rows) if other_length != length else 0
            guess = round(rows + (limit - length) / slope) if slope > 0 else fits + 1
            guess = min(max(guess, fits + 1), too_many - 1)
        attempt = render(guess)
        if len(attempt) <= limit:
            fits, text = guess, attempt
        else:
            too_many = guess
        last.append((guess, len(attempt)))
        spans.append(too_many - fits)
    return text


def _render(
    document: Mapping[str, Any], groups: list[RuleGroup], rows: list[list[tuple[Any, Mapping[str, Any]]]],
    budget: int, limit: int, shared: Mapping[str, Any],
) -> str:
    sections = []
    for group, group_rows in zip(groups, rows, strict=True):
        shown = group_rows[: max(budget, 0)]
        budget -= len(shown)
        sections.append(_Section(group, shown, len(group_rows) - len(shown)))
    hidden = sum(s.hidden for s in sections)
    return render_template(
        "report.md.j2",
        document,
        sections=sections,
        hidden=hidden,
        collapse_after=COLLAPSE_AFTER,
        access_rows=ACCESS_ROWS,
        marker=MARKER,
        limit=limit,
        cause_limit=CAUSE_LIMIT,
        new_limit=NEW_LIMIT,
        **shared,
    )
