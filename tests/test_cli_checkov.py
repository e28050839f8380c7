"""`residency export` and `residency checkov` as a user runs them: files, output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from checkov_support import CHECKOV, POLICY, needs_checkov, parse_scan
from conftest import FIXTURES, PROGRAMS, REPO

CHECKOV_FIXTURES = FIXTURES / "checkov"
FRANKFURT = PROGRAMS / "resource_region" / "fail_frankfurt_provider"


def residency(*arguments: str, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "residency", *arguments], capture_output=True, text=True, cwd=cwd,
                          check=False)


def test_export_writes_a_plan_checkov_can_read(tmp_path):
    out = tmp_path / "plan.json"
    completed = residency("export", str(FRANKFURT), "--stack", "test", "--format", "terraform-plan", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    document = json.loads(out.read_text())
    assert document["terraform_version"] and document["planned_values"]["root_module"]["resources"]
    assert document["configuration"]["provider_config"]["oci.frankfurt"]["expressions"] == {
        "region": {"constant_value": "eu-frankfurt-1"}
    }


def test_export_to_stdout_and_its_errors(tmp_path):
    completed = residency("export", str(FRANKFURT), "--stack", "test")
    assert completed.returncode == 0 and json.loads(completed.stdout)["format_version"] == "1.2"
    missing = residency("export", str(tmp_path), "--stack", "test")
    assert missing.returncode == 2 and "no Pulumi.yaml here" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.parametrize("target, found", [
    (CHECKOV_FIXTURES / "resource_region" / "plan" / "plan.json", "oci_objectstorage_bucket.fail_frankfurt"),
    (CHECKOV_FIXTURES / "resource_region" / "hcl", "oci_objectstorage_bucket.fail_frankfurt"),
    (FRANKFURT, "oci_objectstorage_bucket.data"),
])
@needs_checkov
def test_checkov_scans_plans_terraform_and_pulumi_programs(target, found):
    completed = residency("checkov", str(target), "--stack", "test", "-o", "json", "--", "--check", "CKV_RES_001")
    assert completed.returncode == 1, completed.stderr
    failed = {r.resource for r in parse_scan(completed.stdout).results if not r.passed}
    assert found in failed


@needs_checkov
def test_checkov_writes_its_reports_where_asked(tmp_path):
    completed = residency("checkov", str(FRANKFURT), "--stack", "test", "-o", "sarif", "-o", "junitxml",
                          "--output-file-path", str(tmp_path), "--", "--check", "CKV_RES_001")
    assert completed.returncode == 1, completed.stderr
    sarif = json.loads((tmp_path / "results_sarif.sarif").read_text())
    rules = {r["id"] for run in sarif["runs"] for r in run["tool"]["driver"]["rules"]}
    assert rules == {"CKV_RES_001"}
    assert "CKV_RES_001" in (tmp_path / "results_junitxml.xml").read_text()


@needs_checkov
def test_advisory_rules_soft_fail_unless_asked(tmp_path):
    target = CHECKOV_FIXTURES / "missing_classification" / "plan" / "plan.json"
    only_classification = ["--", "--check", "CKV_RES_004", "--compact", "--quiet"]
    assert residency("checkov", str(target), *only_classification).returncode == 0
    assert residency("checkov", str(target), "--fail-on", "advisory", *only_classification).returncode == 1


@needs_checkov
def test_checkov_reads_the_policy_given(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.read_text().replace("allowed: [us-ashburn-1,", "allowed: [eu-frankfurt-1, us-ashburn-1,"))
    completed = residency("checkov", str(FRANKFURT), "--stack", "test", "--policy", str(policy), "-o", "json",
                          "--", "--check", "CKV_RES_001")
    assert completed.returncode == 0, completed.stdout[-2000:]


@pytest.mark.parametrize("arguments, message", [
    (["checkov", "tests/fixtures/checkov/resource_region/expected.yaml"], "not valid JSON"),
    (["checkov", "tests"], "expected a directory of .tf files, a plan (JSON) or a Pulumi program"),
    (["checkov", str(FRANKFURT), "--stack", "test", "--checkov", "/nonexistent/checkov"], "checkov not found at /nonexistent/checkov"),
    (["checkov", str(FRANKFURT), "--stack", "test", "--policy", "missing.yaml"], "missing.yaml: file not found"),
])
def test_checkov_bad_input_is_exit_2(arguments, message):
    completed = residency(*arguments)
    assert completed.returncode == 2
    assert message in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.parametrize("target, code", [
    (CHECKOV_FIXTURES / "oracle_examples", 1),
    (CHECKOV_FIXTURES / "foreign_reference" / "plan" / "plan.json", 1),
])
def test_check_reads_terraform_too(target, code):
    completed = residency("check", str(target), "--format", "json")
    assert completed.returncode == code, completed.stderr
    document = json.loads(completed.stdout)
    assert document["source"]["kind"] in ("terraform-hcl", "terraform-plan") and document["findings"]


@needs_checkov
def test_the_cli_finds_the_checkov_environment():
    from residency.cli.checkov import find_checkov

    assert find_checkov(None).resolve() == CHECKOV.resolve()
