"""Golden files: the saved findings documents are what the engine and the readers make, and
every renderer turns each document into exactly its saved report. The documents carry no
timestamp and list findings in a fixed order, so the comparison is exact."""

import json

import pytest
from conftest import REPO
from reports_fixtures import DOCUMENTS, GOLDEN, SOURCES, compare_golden, make_document, saved_document

from residency.render.formats import RENDERERS

EXTENSIONS = {"html": "html", "md": "md", "sarif": "sarif", "junit": "junit.xml"}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_saved_document_is_what_is_made_now(name, monkeypatch):
    monkeypatch.chdir(REPO)
    document = make_document(name)
    document["tool"]["version"] = "0.1.0"  # a release bump alone should not touch the fixtures
    compare_golden(DOCUMENTS / f"{name}.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("report_format", sorted(EXTENSIONS))
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_renderer_gives_its_golden_report(name, report_format, monkeypatch):
    monkeypatch.chdir(REPO)
    for variable in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(variable, raising=False)
    # SARIF names the repository root where it was rendered; the golden file names a stand-in
    text = RENDERERS[report_format](saved_document(name)).replace(REPO.as_uri() + "/", "file:///repository/")
    compare_golden(GOLDEN / f"{name}.{EXTENSIONS[report_format]}", text)


def test_a_saved_document_renders_as_the_live_one(monkeypatch):
    monkeypatch.chdir(REPO)
    live = make_document("violations")
    saved = json.loads(json.dumps(live))
    for render in RENDERERS.values():
        assert render(saved) == render(live)
