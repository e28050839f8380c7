"""Terraform constructs read as Terraform reads them, in `residency check` and in Checkov alike.

Each folder tests/fixtures/terraform/<construct>/<pass_|fail_case>/ is a root module, or holds a
plan.json (`terraform show -json`), with an expected.yaml: `failing`, per rule, the exact
addresses (URNs, with the input set when several are checked) with findings; `checkov`, where
Checkov shows them otherwise (it reads no .tf.json and has no resource for a module that is not
on disk), the exact failing resource and provider checks; `unproven_paths`, per address, the
paths of its findings, every one unproven; `rules`, the rules the construct is about (RES001-RES003
unless it says); `proven`, per rule, the exact addresses whose findings are proven; `origins`, per
address and rule, where the values at fault were written (`var.x file:line`, deepest first)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from checkov_support import POLICY, Scan, needs_checkov, run_checkov
from click.testing import CliRunner
from conftest import FIXTURES
from ruamel.yaml import YAML

from residency.checkov.verdicts import INPUTS_ENVIRONMENT, check_id, inputs_to_environment
from residency.cli import main
from residency.sources.terraform_variables import Assignment

CONSTRUCTS = FIXTURES / "terraform"
CASES = sorted(p.parent for p in CONSTRUCTS.glob("*/*/expected.yaml"))
RULES = ("RES001", "RES002", "RES003")  # the rules these constructs are about, unless a case names others


def expected(case: Path) -> dict:
    return YAML(typ="safe").load((case / "expected.yaml").read_text())


def source(case: Path) -> Path:
    plan = case / "plan.json"
    return plan if plan.is_file() else case


def check(case: Path, *options: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", str(source(case)), "--policy", str(POLICY), "--format", "json",
                                       *options])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def rules_of(case: Path) -> tuple[str, ...]:
    return tuple(expected(case).get("rules", RULES))


def failing(document: dict, rules: tuple[str, ...] = RULES, proven: bool | None = None) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in document["findings"]:
        if finding["rule_id"] in rules and not finding.get("waiver") and proven in (None, finding["proven"]):
            found.setdefault(finding["rule_id"], set()).add(finding["resource"]["urn"])
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_residency_check_gives_exactly_the_expected_failing_addresses(case: Path):
    exit_code, document = check(case)
    wanted = {rule: set(addresses) for rule, addresses in (expected(case)["failing"] or {}).items()}
    assert failing(document, rules_of(case)) == wanted
    assert exit_code == (1 if wanted else 0)
    if "proven" in expected(case):
        found = failing(document, tuple(expected(case)["proven"]), proven=True)
        assert {rule: found.get(rule, set()) for rule in expected(case)["proven"]} == {
            rule: set(addresses) for rule, addresses in expected(case)["proven"].items()}


@pytest.mark.parametrize("case", [c for c in CASES if "unproven_paths" in expected(c)],
                         ids=lambda c: f"{c.parent.name}/{c.name}")
def test_findings_on_values_known_only_after_apply_are_unproven_and_name_the_path(case: Path):
    _, document = check(case)
    found: dict[str, set[str]] = {}
    for finding in document["findings"]:
        if finding["rule_id"] in rules_of(case):
            assert finding["proven"] is False, finding
            found.setdefault(finding["resource"]["urn"], set()).add(finding["path"])
    assert found == {address: set(paths) for address, paths in expected(case)["unproven_paths"].items()}


def origins_of(document: dict, rules: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for finding in document["findings"]:
        if finding["rule_id"] in rules:
            shown = [f"{o['name']} {o['file']}:{o['line']}" for o in finding["origins"]]
            found.setdefault(finding["resource"]["urn"], {})[finding["rule_id"]] = shown
    return found


@pytest.mark.parametrize("case", [c for c in CASES if "origins" in expected(c)],
                         ids=lambda c: f"{c.parent.name}/{c.name}")
def test_findings_name_the_variable_and_line_a_value_was_written_on(case: Path):
    _, document = check(case)
    assert origins_of(document, rules_of(case)) == expected(case)["origins"]
    for finding in document["findings"]:  # the evidence says so too
        evidence = " ".join(f"{e['subject']} {e['relation']} {e['value']}" for e in finding["evidence"])
        for origin in finding["origins"]:
            if origin["kind"] == "variable":
                assert origin["name"] in evidence and f"{origin['file']}:{origin['line']}" in evidence, evidence


def test_a_value_from_the_command_line_names_the_option():
    case = CONSTRUCTS / "var_files" / "fail_case"
    _, document = check(case, "--var-file", str(case / "envs" / "eu.tfvars"), "--var", "region=eu-north-1")
    (finding,) = [f for f in document["findings"] if f["rule_id"] == "RES001"]
    assert [(o["kind"], o["name"], o["file"], o["value"]) for o in finding["origins"]] == [
        ("variable", "var.region", None, "eu-north-1"), ("provider", "oci", "main.tf", "eu-north-1")]
    assert "eu-north-1 (var.region, --var region)" in json.dumps(finding["evidence"])


def test_every_report_shows_the_variable_behind_a_finding(tmp_path):
    case = CONSTRUCTS / "variable_origins" / "fail_case"
    reports = {kind: tmp_path / f"report.{kind}" for kind in ("sarif", "md", "html")}
    result = CliRunner().invoke(main, ["check", str(case), "--policy", str(POLICY),
                                       *(f"--report={k}={p}" for k, p in reports.items())])
    assert "terraform.tfvars:1 variable var.copy_region = eu-frankfurt-1: 2 findings" in " ".join(result.output.split())
    (run,) = json.loads(reports["sarif"].read_text())["runs"]
    (replication,) = [r for r in run["results"] if "fail_from_tfvars" in r["message"]["text"]]
    primary = replication["locations"][0]["physicalLocation"]
    assert (primary["artifactLocation"]["uri"].rsplit("/", 1)[-1], primary["region"]["startLine"]) == ("terraform.tfvars", 1)
    assert "Cause: variable var.copy_region = eu-frankfurt-1" in replication["message"]["text"]
    assert "`terraform.tfvars:1` variable `var.copy_region = eu-frankfurt-1`" in reports["md"].read_text()
    assert "variable <code>var.copy_region</code> = <code>eu-frankfurt-1</code>" in reports["html"].read_text()


@pytest.mark.parametrize("construct", sorted({c.parent for c in CASES}), ids=lambda p: p.name)
def test_every_construct_has_a_passing_and_a_failing_case(construct: Path):
    assert (construct / "pass_case" / "expected.yaml").is_file() and (construct / "fail_case" / "expected.yaml").is_file()


def test_the_output_says_which_input_sets_were_checked():
    _, document = check(CONSTRUCTS / "var_files" / "fail_case")
    assert document["source"]["notes"] == [
        ("checked once per variable file the repository ships (each as `terraform plan -var-file`): envs/eu.tfvars; "
        "prod.tfvars")
    ]


def test_var_file_and_var_apply_in_command_line_order():
    case = CONSTRUCTS / "var_files" / "fail_case"
    # the last one given wins: Frankfurt from --var, then Ashburn from the file
    _, document = check(case, "--var", "region=eu-frankfurt-1", "--var-file", str(case / "prod.tfvars"))
    assert failing(document) == {}
    _, document = check(case, "--var-file", str(case / "prod.tfvars"), "--var", "region=eu-frankfurt-1")
    assert failing(document) == {"RES001": {"oci_objectstorage_bucket.fail_in_one_set"}}


def test_the_environment_is_never_read(monkeypatch):
    monkeypatch.setenv("TF_VAR_auth", "APIKey")
    _, document = check(CONSTRUCTS / "provider_auth" / "fail_case")
    assert "oci_objectstorage_bucket.fail_auth_unknown" in failing(document)["RES001"]


def test_a_var_for_no_declared_variable_is_a_usage_error():
    result = CliRunner().invoke(main, ["check", str(CONSTRUCTS / "var_files" / "fail_case"), "--var", "unused=x"])
    assert result.exit_code == 2 and "declares no variable 'unused'" in result.output


# --- Checkov ---------------------------------------------------------------------------------


@cache
def scan() -> Scan:
    return run_checkov("--directory", str(CONSTRUCTS), "--framework", "terraform")


@cache
def plan_scan() -> Scan:
    return run_checkov("--directory", str(CONSTRUCTS), "--framework", "terraform_plan")


def checkov_expected(case: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    wanted = expected(case)
    if "checkov" in wanted:
        given = wanted["checkov"]
        return ({k: set(v) for k, v in (given.get("resources") or {}).items()},
                {k: set(v) for k, v in (given.get("providers") or {}).items()})
    resources = {check_id(rule): {a.rpartition("::")[2] for a in addresses}
                 for rule, addresses in (wanted["failing"] or {}).items()}
    return resources, {}


@needs_checkov
@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_checkov_gives_exactly_the_expected_failing_addresses(case: Path):
    resources, providers = checkov_expected(case)
    scanned = plan_scan() if (case / "plan.json").is_file() else scan()
    for checked in map(check_id, rules_of(case)):
        verdicts = scanned.verdicts(checked, under=case)
        assert {a for a, passed in verdicts.items() if not passed} == resources.get(checked, set()), checked
        verdicts = scanned.verdicts(checked, under=case, providers=True)
        assert {a for a, passed in verdicts.items() if not passed} == providers.get(checked, set()), checked


@needs_checkov
@pytest.mark.parametrize("case", [c for c in CASES if "checkov_details" in expected(c)],
                         ids=lambda c: f"{c.parent.name}/{c.name}")
def test_checkov_details_say_why(case: Path):
    for address, phrases in expected(case)["checkov_details"].items():
        text = " ".join(r for result in scan().results if result.resource == address
                        and Path(result.file).is_relative_to(case) for r in result.details)
        assert all(phrase in text for phrase in phrases), text


@needs_checkov
def test_checkov_does_not_share_a_verdict_between_files_of_the_same_name():
    """Scanned from the folder itself, both files are `/main.tf`-like paths relative to the scan
    root, and both buckets have the same address: each gets its own root module's verdict."""
    folder = CONSTRUCTS / "checkov_same_address"
    result = run_checkov("--directory", str(folder), "--framework", "terraform", "--check", "CKV_RES_001")
    verdicts = {(Path(r.file).relative_to(folder).as_posix(), r.resource): r.passed for r in result.results
                if r.resource.startswith("oci_")}
    assert verdicts == {("main.tf", "oci_objectstorage_bucket.data"): True,
                        ("sub/main.tf", "oci_objectstorage_bucket.data"): False}


@needs_checkov
def test_checkov_checks_read_the_inputs_residency_checkov_hands_them(monkeypatch):
    """`residency checkov --var-file prod.tfvars` puts the bucket in Ashburn only: it passes."""
    case = CONSTRUCTS / "var_files" / "fail_case"
    monkeypatch.setenv(INPUTS_ENVIRONMENT, inputs_to_environment((Assignment(file=case / "prod.tfvars"),)))
    result = run_checkov("--directory", str(case), "--framework", "terraform", "--check", "CKV_RES_001")
    assert {r.resource: r.passed for r in result.results} == {
        "oci.default": True, "oci_objectstorage_bucket.fail_in_one_set": True}


def test_residency_checkov_refuses_a_directory_only_in_json_syntax():
    result = CliRunner().invoke(main, ["checkov", str(CONSTRUCTS / "tf_json" / "pass_case"), "--checkov", "/bin/true"])
    assert result.exit_code == 2 and "Checkov does not read Terraform's JSON syntax" in result.output
