"""Markdown for pull-request comments: short, grouped by rule, long lists collapsed, and never
longer than a GitHub comment may be (findings that do not fit are cut, and the comment says so)."""

from __future__ import annotations

from collections.abc import Mapping
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
    total = len(document["findings"])
    shared = {"summary": verified_summary(document), "causes": group_by_cause(document)}
    text = _render(document, groups, total, limit, shared)
    if len(text) <= limit:
        return text
    # the most findings that fit: render is monotonic in what it shows, and a row takes at least
    # MIN_ROW characters, so the search starts below that bound whatever the number of findings
    fits, too_many = 0, min(total, limit // MIN_ROW + 1)
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        if len(_render(document, groups, middle, limit, shared)) <= limit:
            fits = middle
        else:
            too_many = middle
    text = _render(document, groups, fits, limit, shared)
    if len(text) > limit:  # even the summary alone is too long: keep its start
        cut = f"\n\n**Cut:** the rest of this report is longer than a comment may be ({limit:,} characters).\n"
        text = text[: limit - len(cut)] + cut
    return text


def _render(
    document: Mapping[str, Any], groups: list[RuleGroup], budget: int, limit: int, shared: Mapping[str, Any]
) -> str:
    sections = []
    for group in groups:
        rows = [(c.compartment, f) for c in group.compartments for r in c.resources for f in r.findings]
        shown = rows[: max(budget, 0)]
        budget -= len(shown)
        sections.append(_Section(group, shown, len(rows) - len(shown)))
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
