"""README.md's tables say what the code does: one row per rule with its id, name, severity and
default level (and the anchor the rule's documentation links point at), one row per Checkov check."""

import re

from conftest import REPO

from residency.checkov.metadata import EVERY_OCI_TYPE, supported_resources
from residency.checkov.verdicts import check_id
from residency.documentation import rule_url
from residency.rules import RULES

README = (REPO / "README.md").read_text()


def table_rows(first_cell: str) -> list[list[str]]:
    """The cells of the Markdown table rows whose first cell matches `first_cell`."""
    rows = []
    for line in README.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells and re.fullmatch(first_cell, cells[0]):
            rows.append(cells)
    return rows


def test_the_rule_table_lists_every_rule_as_the_registry_defines_it():
    rows = table_rows(r'<a id="res\d{3}"></a>RES\d{3}')
    listed = [(re.sub(r"<a id=\"\w+\"></a>", "", r[0]), r[1].strip("`"), r[2], r[3]) for r in rows]
    assert listed == [
        (rule.meta.id, rule.meta.name, rule.meta.severity.value, rule.meta.default_level.value) for rule in RULES
    ]
    for row, rule in zip(rows, RULES, strict=True):
        assert row[0].startswith(f'<a id="{rule_url(rule.meta.id).rsplit("#", 1)[1]}">')


def test_the_checkov_table_lists_every_check():
    rows = table_rows(r"CKV_RES_\d{3}")
    checked = [rule for rule in RULES if not rule.meta.reads_deployed_state]
    assert [(r[0], r[1]) for r in rows] == [(check_id(rule.meta.id), f"{rule.meta.id} {rule.meta.name}") for rule in checked]
    for row, rule in zip(rows, checked, strict=True):
        types = supported_resources(rule.meta.id)
        assert row[2] == rule.meta.severity.value
        if types == EVERY_OCI_TYPE:
            assert row[3] == "every `oci_*` resource"
        else:
            assert row[3].startswith(f"{len(types)} types") or row[3] == ", ".join(f"`{t}`" for t in types)


def test_the_readme_starts_with_how_to_use_it_in_your_repository():
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    assert headings[0] == "Use it in your repository"
    assert headings.index("Rules") < headings.index("The residency policy") < headings.index("How it works")
