"""The findings documents the report tests render, and how each is made: by the engine from a
fixture program, or by a reader from another engine's output. Saved under
tests/fixtures/reports/documents/; `RESIDENCY_UPDATE_GOLDEN=1 pytest tests/test_reports_golden.py`
rewrites them and the golden reports (review the diff before committing)."""

from __future__ import annotations

import datetime
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, fixture_inventory

REPORTS = FIXTURES / "reports"
DOCUMENTS = REPORTS / "documents"
GOLDEN = REPORTS / "golden"
INPUTS = REPORTS / "inputs"
UPDATE = os.environ.get("RESIDENCY_UPDATE_GOLDEN") == "1"
TODAY = datetime.date(2026, 11, 1)  # waivers are judged on this day

# name -> how the document is made (paths relative to the repository, as the CLI would see them)
SOURCES = {
    "violations": ("program", REPORTS / "program", "review", REPORTS / "program" / "policy.yaml"),
    "compliant": ("program", REPORTS / "compliant", "review", None),
    "pulumi-residency-pack": ("pulumi-events", INPUTS / "pulumi-residency-pack_preview.jsonl"),
    "pulumi-engine-violations": ("pulumi-events", INPUTS / "pulumi-engine_policy-violations.jsonl"),
    "checkov": ("checkov-json", INPUTS / "checkov-terraform-and-plan.json"),
}


def relative(path: Path) -> Path:
    return path.relative_to(REPO)


def make_document(name: str) -> dict:
    """The document, made now (run from the repository root)."""
    from residency.policy import load_policy

    kind, path, *rest = SOURCES[name]
    if kind == "program":
        from residency.engine import evaluate

        stack, policy_file = rest
        policy = load_policy(relative(policy_file) if policy_file else None, cwd=REPO)
        return evaluate(fixture_inventory(relative(path), stack), policy, today=TODAY).to_document()
    from residency.readers import read_checkov_json, read_pulumi_events

    reader = read_pulumi_events if kind == "pulumi-events" else read_checkov_json
    return reader(path.read_text(), file=str(relative(path)), policy=load_policy(None, cwd=REPO))


def saved_document(name: str) -> dict:
    return json.loads((DOCUMENTS / f"{name}.json").read_text())


def compare_golden(path: Path, text: str) -> None:
    """Equal to the saved file; with RESIDENCY_UPDATE_GOLDEN=1 the file is rewritten instead, and
    the test says so (skipped, with the path)."""
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {relative(path)}")
    assert path.exists(), f"{relative(path)} is missing: create it with RESIDENCY_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{relative(path)} differs from what is rendered now; if the change is intended, rerun with "
        "RESIDENCY_UPDATE_GOLDEN=1 and review the diff"
    )


class Elements(HTMLParser):
    """Start tags with their attributes, and the page's text."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def with_class(self, name: str) -> list[dict]:
        return [attrs for _, attrs in self.tags if name in (attrs.get("class") or "").split()]
