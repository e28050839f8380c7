"""The access view of the reports: for each protected compartment, who can reach it, with which verbs, from
which networks, under which approval and until when; in the findings document, HTML and Markdown."""

import datetime

from conftest import PROGRAMS, fixture_inventory

from residency.engine import evaluate
from residency.policy import load_policy
from residency.render.document import validate_document
from residency.render.html import render_html
from residency.render.markdown import render_markdown

TODAY = datetime.date(2026, 12, 15)


def document(case):
    report = evaluate(fixture_inventory(case), load_policy(case / "policy.yaml"), today=TODAY)
    return report.to_document()


def test_the_document_lists_each_grant_on_protected_data_with_its_networks_and_approvals():
    doc = document(PROGRAMS / "unapproved_access" / "pass_approved_grants")
    validate_document(doc, file="document")
    (protected,) = doc["access"]
    assert (protected["compartment"], protected["level"]) == ("us-protected-data", "restricted")
    rows = [(g["subjects"], g["verb"], g["resource"], g["networks"], [(a["id"], a["expires"], a["problems"]) for a in g["approvals"]])
            for g in protected["grants"]]
    assert rows == [
        (["group data-operators"], "manage", "object-family", ["us-corp"], [("APR-2026-014", "2099-02-28", [])]),
        (["group data-auditors"], "inspect", "all-resources", None, []),
        (["group data-readers"], "read", "objects", ["us-corp"], [("APR-2026-015", "2099-02-28", [])]),
    ]  # the sandbox grant reaches nothing protected


def test_approvals_that_do_not_hold_and_tenancy_wide_grants_are_shown():
    doc = document(PROGRAMS / "unapproved_access" / "fail_approvals_that_do_not_hold")
    validate_document(doc, file="document")
    assert [entry["compartment"] for entry in doc["access"]] == ["us-protected-data", "every compartment"]
    grants = doc["access"][0]["grants"]
    assert grants[0]["approvals"] == [] and grants[0]["networks"] is None
    (expired,) = grants[3]["approvals"]
    assert (expired["id"], expired["problems"]) == ("APR-3-expired", ["expired on 2026-03-31"])


def test_html_and_markdown_show_the_view():
    doc = document(PROGRAMS / "unapproved_access" / "fail_approvals_that_do_not_hold")
    html = render_html(doc)
    section = html[html.index('<section id="access">'):]
    assert "Compartment <code>us-protected-data</code>" in section and "Every compartment" in section
    assert "APR-3-expired: <strong>does not hold</strong> (expired on 2026-03-31)" in section
    assert "<strong>any network</strong>" in section and "<strong>none</strong>" in section
    markdown = render_markdown(doc)
    assert "<details><summary>Access to protected data: 6 grants</summary>" in markdown
    assert "| group data-operators | manage buckets | **any network** | **none** | – |" in markdown


def test_a_document_without_the_view_still_renders():
    doc = document(PROGRAMS / "unapproved_access" / "pass_approved_grants")
    del doc["access"]
    assert 'id="access"' not in render_html(doc)
    assert "Access to protected data" not in render_markdown(doc)
