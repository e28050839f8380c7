"""`residency export` and `residency checkov` as a user runs them: files, output, exit codes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from checkov_support import CHECKOV, POLICY, needs_checkov, parse_scan
from conftest import FIXTURES, PROGRAMS, REPO

from residency.enforcement import Level
from residency.errors import InputError

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


@needs_checkov
def test_checkov_scans_a_pulumi_program_and_writes_its_reports_where_asked(tmp_path):
    """End to end, once: the program exported, Checkov run with the checks, its reports written."""
    completed = residency("checkov", str(FRANKFURT), "--stack", "test", "-o", "json", "-o", "sarif",
                          "--output-file-path", str(tmp_path), "--", "--check", "CKV_RES_001")
    assert completed.returncode == 1, completed.stderr
    assert "residency policy: policies/residency.yaml (sha256 " in completed.stderr
    failed = {r.resource for r in parse_scan((tmp_path / "results_json.json").read_text()).results if not r.passed}
    assert failed == {"oci_objectstorage_bucket.data"}
    sarif = json.loads((tmp_path / "results_sarif.sarif").read_text())
    assert {r["id"] for run in sarif["runs"] for r in run["tool"]["driver"]["rules"]} == {"CKV_RES_001"}


@pytest.mark.parametrize("target, scan", [
    (CHECKOV_FIXTURES / "resource_region" / "plan" / "plan.json", ["--file", "{target}", "--framework", "terraform_plan"]),
    (CHECKOV_FIXTURES / "resource_region" / "hcl", ["--directory", "{target}", "--framework", "terraform"]),
    (FRANKFURT, ["--directory", "{scratch}", "--framework", "terraform_plan"]),
])
def test_each_kind_of_target_is_scanned_as_checkov_reads_it(target, scan, tmp_path):
    from residency.cli.checkov import scan_arguments

    arguments, exported = scan_arguments(target, "test", tmp_path)
    assert arguments == [a.format(target=target, scratch=tmp_path) for a in scan]
    if target == FRANKFURT:  # the program, exported as a plan into the scratch directory
        (plan,) = tmp_path.glob("*.json")
        assert json.loads(plan.read_text())["planned_values"]["root_module"]["resources"]
        assert {r.name for r in exported.resources} == {"frankfurt", "data"}  # what --attest judges, with no second run
    else:
        assert exported is None


def test_the_command_passes_outputs_and_checkov_s_own_arguments(tmp_path):
    from residency.cli.checkov import checkov_command

    command = checkov_command(Path("/x/checkov"), Path("/x/checks"), ["--file", "p.json"], ("sarif", "junitxml"),
                              tmp_path, ("--check", "CKV_RES_001"))
    assert command == ["/x/checkov", "--file", "p.json", "--external-checks-dir", "/x/checks", "--skip-download",
                       "--output", "sarif", "--output", "junitxml", "--output-file-path", str(tmp_path),
                       "--check", "CKV_RES_001"]


def test_the_checks_are_told_the_policy_chosen_and_the_fail_on_level(tmp_path):
    from residency.cli.checkov import checks_environment
    from residency.policy import BUILTIN, load_policy

    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.read_text())
    assert checks_environment(load_policy(policy), Level.ADVISORY) == {
        "RESIDENCY_POLICY": str(policy.resolve()), "RESIDENCY_FAIL_ON": "advisory",
    }
    assert checks_environment(load_policy(BUILTIN), Level.MANDATORY)["RESIDENCY_POLICY"] == "builtin"


def test_a_check_fails_only_for_findings_at_the_fail_on_level(monkeypatch):
    """RES004 is advisory: under --fail-on mandatory its check passes and shows the finding."""
    from residency.checkov.verdicts import FAIL_ON_ENVIRONMENT, SourceVerdicts, rule_by_id
    from residency.policy import load_policy
    from residency.sources.terraform_plan import load_plan

    inventory = load_plan(CHECKOV_FIXTURES / "missing_classification" / "plan" / "plan.json")
    verdicts = SourceVerdicts(inventory, load_policy(POLICY))
    rule = rule_by_id("RES004")
    addresses = [r.urn for r in inventory.resources if "fail_" in r.urn]
    assert addresses
    for address in addresses:
        monkeypatch.setenv(FAIL_ON_ENVIRONMENT, "mandatory")
        below = verdicts.resource(rule, address)
        monkeypatch.setenv(FAIL_ON_ENVIRONMENT, "advisory")
        failing = verdicts.resource(rule, address)
        assert below.passed and below.below and not failing.passed and failing.findings == below.below


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


@pytest.mark.parametrize("configuration, refused", [
    ("skip-check: CKV_RES_001\n", "skip-check"),
    ("skip-check: [CKV_OCI_1, 'CKV_RES*']\n", "skip-check"),
    ("soft-fail: true\n", "soft-fail"),
    ("soft-fail-on: CKV_OCI_1,CKV_RES_002\n", "soft-fail-on"),
    ("check: [CKV_OCI_1]\n", "check"),
    ("skip-check: [CKV_OCI_1]\ncheck: ['CKV_RES_*', CKV_OCI_2]\n", None),
])
def test_a_checkov_configuration_in_the_scanned_code_cannot_waive_residency_checks(tmp_path, configuration, refused):
    from residency.cli.checkov import checkov_configurations, refuse_configuration_that_waives

    (tmp_path / ".checkov.yaml").write_text(configuration)
    paths = checkov_configurations(["--directory", str(tmp_path), "--framework", "terraform"])
    assert tmp_path / ".checkov.yaml" in paths
    if refused is None:
        refuse_configuration_that_waives(paths)
        return
    with pytest.raises(InputError, match=f"would skip or soft-fail the residency checks \\({refused}\\)"):
        refuse_configuration_that_waives(paths)


def test_an_attested_scan_of_a_program_runs_the_program_once(tmp_path, monkeypatch):
    """--attest judges the inventory that was exported for Checkov: the findings of the same run."""
    from click.testing import CliRunner
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from residency.cli import main
    from residency.sources import pulumi_program

    runs = []
    original = pulumi_program.run_program
    monkeypatch.setattr(pulumi_program, "run_program", lambda *args, **kwargs: runs.append(args) or original(*args, **kwargs))
    key = tmp_path / "signer.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    fake_checkov = tmp_path / "checkov"
    fake_checkov.write_text("#!/bin/sh\nexit 1\n")
    fake_checkov.chmod(0o755)
    attestation = tmp_path / "out" / "decision.json"
    result = CliRunner().invoke(main, ["checkov", str(FRANKFURT), "--stack", "test", "--policy", str(POLICY),
                                       "--checkov", str(fake_checkov), "--attest", str(attestation),
                                       "--signing-key", str(key)])
    assert result.exit_code == 1, result.output
    assert len(runs) == 1
    statement = json.loads(base64.b64decode(json.loads(attestation.read_text())["payload"]))
    assert [f["rule_id"] for f in statement["predicate"]["findings"]["findings"]] == ["RES001"]


def test_a_checkov_that_never_ends_is_stopped_with_everything_it_started(tmp_path):
    """Checkov's HCL parser can backtrack without end on a few bytes: past --checkov-timeout, it and
    its children are stopped, and the scan is exit 2, never a hang."""
    from click.testing import CliRunner

    from residency.cli import main

    marker = tmp_path / "child-alive"
    hanging = tmp_path / "checkov"
    hanging.write_text(f"#!/bin/sh\n(sleep 3; touch {marker}) &\nsleep 600\n")
    hanging.chmod(0o755)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('provider "oci" {\n  region = "us-ashburn-1"\n}\n')
    result = CliRunner().invoke(main, ["checkov", str(tmp_path / "infra"), "--policy", str(POLICY),
                                       "--checkov", str(hanging), "--checkov-timeout", "1"])
    assert result.exit_code == 2, result.output
    assert "checkov ran for more than 1 s and was stopped (--checkov-timeout)" in result.output
    time.sleep(3)
    assert not marker.exists()  # the child it left running was stopped too
