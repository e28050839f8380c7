"""Root causes, baselines and verdicts in the reports: findings name the stack-config line or the
provider block that put resources outside; a baseline marks what a change introduces; every
report recomputes its verdict from the findings and neutralises what the program wrote."""

import copy
import html
import json

import pytest
from click.testing import CliRunner
from conftest import REPO
from reports_fixtures import DOCUMENTS, Elements, saved_document
from rich.console import Console

from residency.cli import main
from residency.engine import evaluate
from residency.policy import load_policy
from residency.render.baseline import apply_baseline
from residency.render.document import group_by_cause, safe_url, verified_summary
from residency.render.html import render_html
from residency.render.junit import render_junit
from residency.render.markdown import render_markdown
from residency.render.sarif import render_sarif

PROGRAM = '''import pulumi
import pulumi_oci as oci

dr = pulumi.Config().require_object("dr")
provider = oci.Provider("dr", region=dr["region"])
for name in ("records", "exports", "archive"):
    oci.objectstorage.Bucket(name, compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name=name,
                             opts=pulumi.ResourceOptions(provider=provider))
local = oci.objectstorage.Bucket("local", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name="local")
oci.objectstorage.ReplicationPolicy("local-to-dr", bucket=local.name, namespace="ns", name="local-to-dr",
                                    destination_bucket_name="copy", destination_region_name=dr["region"])
'''
STACK = """config:
  oci:region: us-ashburn-1
  boundary:dr:
    vcnCidr: 10.20.0.0/16
    region: eu-frankfurt-1
"""


@pytest.fixture(scope="module")
def dr_program(tmp_path_factory):
    """The issue's case: one changed config line (`dr.region`) moves every DR resource outside."""
    directory = tmp_path_factory.mktemp("boundary")
    (directory / "Pulumi.yaml").write_text("name: boundary\nruntime: python\n")
    (directory / "Pulumi.prod.yaml").write_text(STACK)
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


@pytest.fixture(scope="module")
def dr_document(dr_program):
    from residency.sources.pulumi_program import run_program

    report = evaluate(run_program(dr_program, "prod"), load_policy(None, cwd=REPO))
    return report.to_document()


def test_the_terminal_names_the_cause(dr_program):
    result = CliRunner().invoke(
        main, ["check", str(dr_program), "--stack", "prod", "--policy", str(REPO / "policies" / "residency.yaml")]
    )
    assert result.exit_code == 1, result.output
    assert "Pulumi.prod.yaml:5 boundary:dr.region = eu-frankfurt-1: 4 findings (" in result.output


def test_a_region_from_the_stack_config_names_the_key_file_and_line(dr_document):
    region = [f for f in dr_document["findings"] if f["rule_id"] == "RES001"]
    assert sorted(f["resource"]["name"] for f in region) == ["archive", "exports", "records"]
    for finding in region:
        assert finding["origins"] == [
            {"kind": "stack-config", "name": "boundary:dr.region", "file": "Pulumi.prod.yaml", "line": 5,
             "value": "eu-frankfurt-1"},
            {"kind": "provider", "name": "dr", "file": "__main__.py", "line": 5, "value": "eu-frankfurt-1"},
        ]


def test_a_destination_from_the_stack_config_names_the_key(dr_document):
    (movement,) = [f for f in dr_document["findings"] if f["rule_id"] == "RES002"]
    assert movement["resource"]["name"] == "local-to-dr"
    assert movement["origins"] == [
        {"kind": "stack-config", "name": "boundary:dr.region", "file": "Pulumi.prod.yaml", "line": 5,
         "value": "eu-frankfurt-1"},
    ]


def test_findings_are_grouped_by_their_cause_first(dr_document):
    (first, *_) = group_by_cause(dr_document)
    assert (first.kind, first.place, first.name, first.value) == (
        "stack-config", "Pulumi.prod.yaml:5", "boundary:dr.region", "eu-frankfurt-1"
    )
    assert (first.resources, first.failing) == (4, 4)  # three buckets there, one replication to there
    comment = render_markdown(dr_document)
    head = comment[: comment.index("| Rule |")]  # before the per-rule tables: the first screen
    assert "| `Pulumi.prod.yaml:5` `boundary:dr.region = eu-frankfurt-1` (stack config) | 4 (4 failing) |" in head
    page = Elements(render_html(dr_document))
    (cause, *_) = page.with_class("cause")
    assert cause["data-kind"] == "stack-config"


def test_sarif_places_the_finding_at_the_config_line_and_the_resource_as_related(dr_document, tmp_path):
    (run,) = json.loads(render_sarif(dr_document))["runs"]
    region = [r for r in run["results"] if r["ruleId"] == "RES001"]
    for result in region:
        primary = result["locations"][0]["physicalLocation"]
        assert primary["artifactLocation"]["uri"].endswith("Pulumi.prod.yaml") and primary["region"]["startLine"] == 5
        related = [r["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1] for r in result["relatedLocations"]]
        assert related == ["__main__.py", "__main__.py"]  # the provider block, then the bucket
        assert "Cause: stack-config boundary:dr.region = eu-frankfurt-1" in result["message"]["text"]


def test_a_terraform_provider_block_is_the_origin_of_its_region(write):
    from residency.sources.terraform_hcl import load_directory

    directory = write({
        "main.tf": 'provider "oci" {\n  alias  = "dr"\n  region = "eu-frankfurt-1"\n}\n\n'
        'resource "oci_objectstorage_bucket" "b" {\n  provider = oci.dr\n  name = "b"\n}\n',
    })
    (bucket,) = load_directory(directory).resources
    (origin,) = bucket.region.origins
    assert (origin.kind, origin.name, origin.file, origin.line, origin.value) == (
        "provider", "oci.dr", "main.tf", 1, "eu-frankfurt-1"
    )


# --- baselines ---------------------------------------------------------------------------------


def _baselined():
    now = saved_document("violations")
    earlier = copy.deepcopy(now)
    introduced = earlier["findings"].pop(1)  # not there before: new
    earlier["findings"][0]["message"] = "worded differently before"  # same fingerprint: updated
    fixed = copy.deepcopy(earlier["findings"][-1])
    fixed.update(fingerprint="0123456789abcdef", message="a finding this change fixed")
    earlier["findings"].append(fixed)
    return apply_baseline(now, earlier, file="earlier.json"), introduced, fixed


def test_a_baseline_marks_each_finding_new_unchanged_or_updated_and_the_fixed_absent():
    document, introduced, fixed = _baselined()
    states = {f["fingerprint"]: f["baseline"] for f in document["findings"]}
    assert states[introduced["fingerprint"]] == "new"
    assert states[document["findings"][0]["fingerprint"]] == "updated"
    assert sorted(states.values()).count("unchanged") == 4
    assert [f["fingerprint"] for f in document["baseline"]["absent"]] == [fixed["fingerprint"]]
    from residency.render.document import validate_document

    validate_document(document, file="baselined.json")


def test_sarif_carries_the_baseline_state_and_the_comment_leads_with_what_is_new():
    document, introduced, fixed = _baselined()
    (run,) = json.loads(render_sarif(document))["runs"]
    assert [r["baselineState"] for r in run["results"]] == [f["baseline"] for f in document["findings"]]
    comment = render_markdown(document)
    lines = comment.splitlines()
    assert lines[3] == "**This change:** 1 new finding, 1 changed, 1 fixed, 4 already there before."
    assert f"| {introduced['rule_id']} mandatory | `{introduced['resource']['name']}` |" in lines[7]
    assert f"Fixed: {fixed['rule_id']} `{fixed['resource']['name']}`." in comment
    assert f"Fixed: {fixed['rule_id']} <code>{html.escape(fixed['resource']['name'], quote=False)}</code>." in render_html(document)


def test_baseline_on_the_command_line_leaves_the_exit_status_alone(tmp_path):
    earlier = saved_document("violations")
    earlier["findings"] = earlier["findings"][2:]
    (tmp_path / "earlier.json").write_text(json.dumps(earlier))
    result = CliRunner().invoke(main, [
        "report", str(DOCUMENTS / "violations.json"), "--baseline", str(tmp_path / "earlier.json"), "--format", "json",
    ])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [f["baseline"] for f in document["findings"]][:3] == ["new", "new", "unchanged"]


# --- verdicts the findings support --------------------------------------------------------------


def test_the_verdict_is_recomputed_from_the_findings_never_read_from_the_document():
    document = saved_document("violations")
    document["summary"].update(passed=True, failing=0)  # a document that lies
    assert verified_summary(document)["verdict"] == "failed"
    assert "### ❌ Residency check failed: 4 findings" in render_markdown(document)
    assert "Failed: 4 findings" in render_html(document)
    (run,) = json.loads(render_sarif(document))["runs"]
    assert (run["properties"]["summary"]["passed"], run["properties"]["summary"]["failing"]) == (False, 4)


def test_an_input_with_nothing_evaluated_says_nothing_was_checked():
    document = saved_document("compliant")
    document["summary"].update(resources=0, resources_by_type={})
    assert "### ⚠️ Residency check: nothing was checked" in render_markdown(document)
    page = render_html(document)
    assert "Nothing was checked" in page and "Passed" not in page


def test_only_http_links_are_links():
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("https://example.com/rule") == "https://example.com/rule"
    document = saved_document("checkov")
    for rule in document["rules"]:
        rule["url"] = "javascript:alert(1)"
    assert "javascript:" not in render_html(document)
    assert "javascript:" not in json.dumps([r.get("helpUri") for r in json.loads(render_sarif(document))["runs"][0]["tool"]["driver"]["rules"]])


def test_markdown_neutralises_mentions_references_and_autolinks():
    document = saved_document("violations")
    document["findings"][0]["message"] = "ping @octocat about #12 and GH-3, see https://evil.example and www.evil.example"
    row = next(line for line in render_markdown(document).splitlines() if "octocat" in line)
    for live in ("@octocat", "#12", "GH-3", "https://", "www.evil"):
        assert live not in row
    assert "@\u200boctocat" in row and "#\u200b12" in row


def test_files_link_to_the_repository_at_the_commit_in_ci(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/platform")
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    url = "https://github.com/acme/platform/blob/0123456789abcdef0123456789abcdef01234567/tests/fixtures/reports/program/__main__.py#L14"
    assert f'href="{url}"' in render_html(saved_document("violations"))
    assert f"]({url})" in render_markdown(saved_document("violations"))
    monkeypatch.setenv("GITHUB_SERVER_URL", "javascript:alert(1)//")
    assert "acme/platform" not in render_html(saved_document("violations"))


def test_the_terminal_never_interprets_markup_or_escape_sequences_from_the_program(dr_document, tmp_path):
    from residency.render.text import plain

    assert plain("data[/]") == "data\\[/]" and plain("\x1b[31mred\x07") == "\\x1b[31mred\\x07"
    console = Console(record=True, width=200, force_terminal=False)
    console.print(f"[bold]name:[/] {plain('data[/] [link=http://x]y[/link] ' + chr(27) + ']8;;')}")
    assert "data[/] [link=http://x]y[/link] \\x1b]8;;" in console.export_text()


def test_junit_is_valid_xml_whatever_the_program_names_things():
    from xml.etree import ElementTree

    document = saved_document("violations")
    document["findings"][0]["resource"]["urn"] += "\x00\x1b[31m\ud800"
    document["findings"][0]["message"] = "bad \x0c\x1f text"
    ElementTree.fromstring(render_junit(document).encode("utf-8", "surrogatepass"))


def test_a_terraform_variable_names_the_line_of_its_value(write):
    from residency.sources.terraform_hcl import load_directory

    directory = write({
        "main.tf": 'variable "dr_region" {\n  default = "us-phoenix-1"\n}\n\nprovider "oci" {\n  region = var.dr_region\n}\n\n'
        'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n}\n',
        "terraform.tfvars": '# the DR region\n\ndr_region = "eu-frankfurt-1"\n',
    })
    (bucket,) = load_directory(directory).resources
    variable, block = bucket.region.origins  # the line the value was written on, then the block that takes it
    assert "terraform.tfvars" in bucket.region.origin and "var.dr_region" in bucket.region.origin
    assert (variable.kind, variable.name, variable.file, variable.line, variable.value) == (
        "variable", "var.dr_region", "terraform.tfvars", 3, "eu-frankfurt-1")
    assert (block.kind, block.name, block.file, block.line) == ("provider", "oci", "main.tf", 5)


def test_sarif_with_causes_and_baselines_is_valid_against_the_schema(dr_document):
    import jsonschema
    from test_reports_render import sarif_schema

    for document in (dr_document, _baselined()[0]):
        jsonschema.Draft4Validator(sarif_schema()).validate(json.loads(render_sarif(document)))


def test_an_event_log_without_policy_events_says_nothing_was_checked(tmp_path):
    from reports_fixtures import INPUTS

    lines = (INPUTS / "pulumi-residency-pack_preview.jsonl").read_text().splitlines()
    (tmp_path / "events.jsonl").write_text("\n".join(line for line in lines if "policy" not in line.lower()) + "\n")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "events.jsonl"), "--from", "pulumi-events", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "### ⚠️ Residency check: nothing was checked" in result.output and "passed" not in result.output


def test_remediation_is_worded_for_what_was_checked(write):
    from residency.sources.terraform_hcl import load_directory

    directory = write({"main.tf": 'provider "oci" {\n  region = "eu-frankfurt-1"\n}\n\n'
                                  'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n}\n'})
    document = evaluate(load_directory(directory), load_policy(None, cwd=REPO)).to_document()
    (region,) = [f for f in document["findings"] if f["rule_id"] == "RES001"]
    assert region["remediation"].startswith("Create the resource through a provider block")
    assert "oci.Provider" not in region["remediation"]
    assert saved_document("violations")["findings"][1]["remediation"].startswith(
        "Create the resource through an explicit provider (`oci.Provider(..., region=...)`)"
    )
    checkov = saved_document("checkov")
    assert next(r for r in checkov["rules"] if r["id"] == "RES001")["remediation"].startswith("Create the resource through a provider block")


def test_control_characters_from_the_program_never_reach_a_report():
    document = saved_document("violations")
    document["findings"][0]["resource"]["name"] = "evil\x1b]8;;http://x\x07name\x9b"
    document["findings"][0]["message"] = "bad\x1b[2Jmessage"
    for text in (render_markdown(document), render_html(document)):
        assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) <= 0x9f for c in text)
        assert "\\x1b" in text


def test_paths_no_file_system_can_hold_still_render():
    document = saved_document("violations")
    document["source"]["path"] = "bad\x00dir"
    document["findings"][1]["location"] = {"file": "a b/\x00main.py", "line": 3}
    document["findings"][1]["origins"] = []
    (run,) = json.loads(render_sarif(document))["runs"]
    assert run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b/%00main.py"
    assert render_html(document) and render_markdown(document)
