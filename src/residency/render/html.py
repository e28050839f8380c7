"""A self-contained HTML report for reviewers: one file, no external assets, readable printed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from residency.render.document import SEVERITIES, group_findings, is_waived
from residency.render.templates import render_template

CHART_WIDTH = 240  # pixels of the longest bar


@dataclass(frozen=True)
class SeverityRow:
    severity: str
    open: int  # not waived
    failing: int
    bar: int  # bar width in the chart


def render_html(document: Mapping[str, Any]) -> str:
    groups = group_findings(document)
    failing = Counter(f["severity"] for group in groups for f in group.findings if f["failing"])
    opened = Counter(f["severity"] for f in document["findings"] if not is_waived(f))
    longest = max(opened.values(), default=0)
    bars = [
        SeverityRow(name, opened[name], failing[name], round(CHART_WIDTH * opened[name] / longest) if longest else 0)
        for name in SEVERITIES
    ]
    return render_template("report.html.j2", document, groups=groups, bars=bars, chart_width=CHART_WIDTH)
