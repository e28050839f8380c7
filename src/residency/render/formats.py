"""Every report format, by the name the CLI gives it. Each renders a findings document (a dict
the schema accepts) to text, so that a saved document renders as the live run did."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from residency.inputs import collector_paused


def render_json(document: Mapping[str, Any]) -> str:
    from residency.render.json_text import indented_json

    return "".join(indented_json(document, ensure_ascii=False)) + "\n"


def _imported_when_used(module: str, function: str) -> Callable[[Mapping[str, Any]], str]:
    """A renderer whose module (templates, XML) is imported only when a report of its format is written.
    It runs with the cyclic collector paused: a report of many findings builds a tree of objects per
    finding and keeps them until it is written, so a collection would free nothing, and walking them
    (and the document) again at each one took more time than the report itself."""
    def render(document: Mapping[str, Any]) -> str:
        renderer = getattr(importlib.import_module(module), function)
        with collector_paused():
            return renderer(document)

    return render


RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "html": _imported_when_used("residency.render.html", "render_html"),
    "md": _imported_when_used("residency.render.markdown", "render_markdown"),
    "sarif": _imported_when_used("residency.render.sarif", "render_sarif"),
    "junit": _imported_when_used("residency.render.junit", "render_junit"),
    "json": render_json,
}
