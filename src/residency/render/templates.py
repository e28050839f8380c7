"""The jinja2 environment every template-based report shares. Autoescaping is on for every
template: finding messages and resource names come from the program under review."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from residency.catalog import short_type
from residency.render.baseline import baseline_counts
from residency.render.controls import visible
from residency.render.document import SEVERITIES, checked_rules, group_by_cause, safe_url, target, verified_summary
from residency.render.places import Places, commit_links, source_link

_CODE_SPAN = re.compile(r"`([^`]+)`")


def _finalize(value: Any) -> Any:
    """Every value a template prints: text from the program shows its control characters."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else visible(value)


def inline_code(text: str) -> Markup:
    """HTML: the rules' `code` spans become <code> elements, everything else is escaped."""
    return Markup(_CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(visible(text)))))


# Markdown: what would format, link or break a table cell, and what would be HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


# What GitHub turns into a notification or a link by itself: @mentions (and e-mail addresses),
# #123 and GH-123 references, bare URLs and www. names. A zero-width space after the trigger
# keeps the text readable and inert.
_LIVE = re.compile(r"(@|#(?=\w)|\bGH-(?=\d)|\b(?:https?|ftp|mailto)(?=:)|\bwww(?=\.))", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "\u200b"


def markdown_text(text: object) -> Markup:
    """Markdown: text from the program under review, shown as it is (no formatting, links,
    mentions, references or HTML of its own), on one line so that it can stand in a table cell."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text))
    escaped = "".join(_HTML_SPECIAL.get(c, c) for c in escaped)
    escaped = _LIVE.sub(lambda m: m.group(1) + _ZERO_WIDTH_SPACE, escaped)
    return Markup(escaped.replace("\r", "").replace("\n", "<br>"))


def markdown_code(text: object) -> Markup:
    """Markdown: a code span (names, types, files, regions). Its content is shown literally, so only
    the fence has to outrun any backticks inside, and `|` is escaped for tables."""
    content = " ".join(visible(text).split("\n")).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {content} " if content.startswith("`") or content.endswith("`") else content
    return Markup(f"{fence}{padded}{fence}")


def markdown_prose(text: str) -> Markup:
    """Markdown: the rules' own text, whose `code` spans stay code spans."""
    parts = re.split(r"(`[^`]+`)", text)
    return Markup("".join(part if part.startswith("`") and len(part) > 1 else markdown_text(part) for part in parts))


class _ReportEnvironment(Environment):
    """Templates read the findings document, dicts, as `finding.resource.name`: jinja looks for an
    attribute first and, for a dict, gets there through an AttributeError on every read (a fifth of
    a large report's time). A plain dict has no attribute but its methods, so it is read by key at
    once: the same value jinja finds."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


@cache
def environment() -> Environment:
    env = _ReportEnvironment(
        loader=PackageLoader("residency.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters.update(
        short_type=short_type,
        inline_code=inline_code,
        md=markdown_text,
        md_code=markdown_code,
        md_prose=markdown_prose,
        safe_url=safe_url,
    )
    return env


def render_template(name: str, document: Mapping[str, Any], **context: Any) -> str:
    """A report template with what every report shows: the document, its summary, what was
    checked and by which rules."""
    places = Places(document["source"])
    base = commit_links()

    def link(file: str | None, line: int | None) -> str | None:
        return source_link(places, base, file, line) if file else None

    shared = {
        "document": document,
        "target": target(document),
        "rules": checked_rules(document),
        "severities": SEVERITIES,
        "baseline": baseline_counts(document),
        "link": link,
    }
    if "summary" not in context:
        context["summary"] = verified_summary(document)
    if "causes" not in context:
        context["causes"] = group_by_cause(document)
    return environment().get_template(name).render(**shared, **context)
