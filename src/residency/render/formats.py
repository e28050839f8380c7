"""Every report format, by the name the CLI gives it. Each renders a findings document (a dict
the schema accepts) to text, so that a saved document renders as the live run did."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from residency.render.html import render_html
from residency.render.junit import render_junit
from residency.render.markdown import render_markdown
from residency.render.sarif import render_sarif


def render_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "html": render_html,
    "md": render_markdown,
    "sarif": render_sarif,
    "junit": render_junit,
    "json": render_json,
}
