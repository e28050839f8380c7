"""The terminal report: a table for a few findings, a listing for many (a table of tens of thousands
of rows took rich half a minute), both showing what the program wrote without interpreting it."""

from __future__ import annotations

import datetime
import io
import json
from importlib import resources

from rich.console import Console

from residency.enforcement import Level
from residency.engine import evaluate
from residency.findings import Report
from residency.policy import load_policy
from residency.render.text import TABLE_ROWS, render_text
from residency.sources.terraform_plan import load_plan

OCI = "registry.terraform.io/oracle/oci"
# an escape sequence and rich markup from the program under review, in a name longer than a line
ODD_NAME = "odd\x1b[31m[bold]x" + "-and-more" * 20
SHOWN_ODD_NAME = "odd\\x1b[31m[bold]x" + "-and-more" * 20


def frankfurt_buckets(count: int) -> dict:
    """A plan of `count` untagged buckets created through a Frankfurt provider: RES001 and RES004 each."""
    names = [ODD_NAME] + [f"b{index:05d}" for index in range(1, count)]
    addresses = [f"oci_objectstorage_bucket.{name}" for name in names]
    return {
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [
            {"address": address, "mode": "managed", "type": "oci_objectstorage_bucket", "name": name,
             "values": {"namespace": "ns", "compartment_id": "ocid1.compartment.oc1..data"}}
            for name, address in zip(names, addresses, strict=True)
        ]}},
        "configuration": {
            "provider_config": {"oci": {"name": "oci", "full_name": OCI,
                                        "expressions": {"region": {"constant_value": "eu-frankfurt-1"}}}},
            "root_module": {"resources": [
                {"address": address, "mode": "managed", "type": "oci_objectstorage_bucket", "name": name,
                 "provider_config_key": "oci", "expressions": {}}
                for name, address in zip(names, addresses, strict=True)
            ]},
        },
    }


WAIVER = """
waivers:
  - rule: missing-classification
    type: oci_objectstorage_bucket
    resource: b00001
    reason: public data, tagged by the next release
    approved_by: data-protection-officer@example.com
    expires: {expires}
"""


def rendered(tmp_path, count: int, *, terminal: bool = False) -> tuple[Report, str]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(frankfurt_buckets(count)))
    policy_file = tmp_path / "residency.yaml"  # the built-in policy, with one waiver
    expires = datetime.date.today() + datetime.timedelta(days=30)
    policy_file.write_text((resources.files("residency.policy") / "default.yaml").read_text()
                           + WAIVER.format(expires=expires.isoformat()))
    report = evaluate(load_plan(path), load_policy(policy_file))
    out = io.StringIO()
    console = Console(file=out, width=160, highlight=False, force_terminal=terminal,
                      color_system="standard" if terminal else None)
    render_text(report, console, Level.MANDATORY)
    return report, out.getvalue()


def test_many_findings_are_listed_each_once_in_the_reports_order(tmp_path) -> None:
    report, text = rendered(tmp_path, TABLE_ROWS // 2 + 1)
    assert len(report.findings) > TABLE_ROWS
    assert "│" not in text and "┃" not in text  # no table
    heads = [line.replace("waived (advisory)", "advisory") for line in text.splitlines()
             if line.startswith(("RES001  ", "RES004  "))]
    shown_name = {ODD_NAME: SHOWN_ODD_NAME}
    assert heads == [
        f"{f.rule.id}  {f.level.value}  oci_objectstorage_bucket.{shown_name.get(f.resource.name[25:], f.resource.name[25:])}"
        "  eu-frankfurt-1"
        for f in report.findings
    ]
    assert text.count("    ObjectStorage.Bucket · plan.json\n") == len(report.findings)
    assert "\x1b" not in text  # the program's escape sequence is shown, never sent
    assert f"{len(report.findings)} findings, {TABLE_ROWS // 2 + 1} failing at --fail-on mandatory" in text
    assert "RES004  waived (advisory)  oci_objectstorage_bucket.b00001  eu-frankfurt-1\n" in text


def test_a_listing_keeps_the_levels_colours_on_a_terminal_and_never_reads_markup(tmp_path) -> None:
    _, text = rendered(tmp_path, TABLE_ROWS, terminal=True)
    assert "\x1b[1;31mmandatory\x1b[0m" in text and "\x1b[33madvisory\x1b[0m" in text
    assert SHOWN_ODD_NAME in text  # markup from the program is text, and a long line is not cut
    assert "\x1b[31m" not in text


def test_a_few_findings_are_a_table(tmp_path) -> None:
    report, text = rendered(tmp_path, 3)
    assert len(report.findings) == 6
    assert "│ RES001 │ mandatory  │" in text and "│ waived     │" in text
    assert "odd\\x1b[31m[bol" in text and "\x1b" not in text  # folded at the column's width
    assert "6 findings, 3 failing at --fail-on mandatory" in text


def caused_by(tmp_path, buckets: int) -> list[str]:
    """The "Caused by" lines of a configuration whose Frankfurt provider puts `buckets` tagged buckets outside."""
    from residency.sources.terraform_hcl import load_directory

    (tmp_path / "main.tf").write_text(
        'provider "oci" {\n  region = "eu-frankfurt-1"\n}\n\n'
        f'resource "oci_objectstorage_bucket" "b" {{\n  count = {buckets}\n  namespace = "ns"\n'
        '  compartment_id = "ocid1.compartment.oc1..data"\n  name = "b-${count.index}"\n'
        '  defined_tags = { "DataGovernance.Classification" = "restricted" }\n}\n')
    out = io.StringIO()
    render_text(evaluate(load_directory(tmp_path), load_policy("builtin")), Console(file=out, width=500), Level.MANDATORY)
    lines = out.getvalue().splitlines()
    start = lines.index("Caused by") + 1
    return lines[start:next(i for i in range(start, len(lines)) if not lines[i].startswith("  "))]


def test_a_cause_shared_by_many_resources_names_the_first_few_on_one_line(tmp_path) -> None:
    assert caused_by(tmp_path, 12) == [(
        "  main.tf:1 provider oci (region eu-frankfurt-1): 12 findings (oci_objectstorage_bucket.b[0], "
        "oci_objectstorage_bucket.b[10], oci_objectstorage_bucket.b[11] and 9 more)")]


def test_a_cause_of_a_few_resources_names_each(tmp_path) -> None:
    assert caused_by(tmp_path, 3) == [(
        "  main.tf:1 provider oci (region eu-frankfurt-1): 3 findings (oci_objectstorage_bucket.b[0], "
        "oci_objectstorage_bucket.b[1], oci_objectstorage_bucket.b[2])")]
