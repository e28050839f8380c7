"""The residency checks, run by the real checkov CLI on Terraform: fixture folders per check
(tests/fixtures/checkov/<rule>/{hcl,plan}), resources named pass_* or fail_*, and the exact
verdicts in each folder's expected.yaml."""

from __future__ import annotations

import datetime
import json
import os
import re
from functools import cache
from pathlib import Path

import pytest
from checkov_support import CHECKS, POLICY, Scan, checkov, needs_checkov, run_checkov
from conftest import FIXTURES
from ruamel.yaml import YAML
from session_runs import RUNS

from residency.checkov.verdicts import check_id
from residency.rules import RULES as ALL_RULES

RULES = tuple(r for r in ALL_RULES if not r.meta.reads_deployed_state)  # what Checkov runs

pytestmark = needs_checkov

CHECKOV_FIXTURES = FIXTURES / "checkov"
RULE_FOLDERS = sorted(p.parent for p in CHECKOV_FIXTURES.glob("*/expected.yaml"))
CASES = [(folder, form) for folder in RULE_FOLDERS for form in ("hcl", "plan")]


@cache
def scan(form: str) -> Scan:
    """One checkov run over every fixture folder of a form: Terraform files, or plans (shared with
    test_parity.py, on whichever worker)."""
    framework = "terraform" if form == "hcl" else "terraform_plan"
    return RUNS.get(f"checkov {CHECKOV_FIXTURES} framework {framework} policy {POLICY}",
                    lambda: run_checkov("--directory", str(CHECKOV_FIXTURES), "--framework", framework))


def expected(folder: Path) -> dict:
    return YAML(typ="safe").load((folder / "expected.yaml").read_text())


@pytest.mark.parametrize("folder, form", CASES, ids=[f"{f.name}-{form}" for f, form in CASES])
def test_each_check_gives_exactly_the_expected_verdicts(folder: Path, form: str):
    wanted = expected(folder)
    verdicts = scan(form).verdicts(wanted["check"], under=folder / form)
    assert {a for a, passed in verdicts.items() if passed} == set(wanted[form]["pass"])
    assert {a for a, passed in verdicts.items() if not passed} == set(wanted[form]["fail"])


@pytest.mark.parametrize("folder, form", CASES, ids=[f"{f.name}-{form}" for f, form in CASES])
def test_failures_say_why(folder: Path, form: str):
    wanted = expected(folder)
    for address, phrases in wanted["details"].items():
        if address not in wanted[form]["fail"]:
            continue
        text = " ".join(scan(form).details(wanted["check"], address))
        for phrase in phrases:
            assert phrase in text, f"{address}: {text}"


@pytest.mark.parametrize("folder", RULE_FOLDERS, ids=[f.name for f in RULE_FOLDERS])
def test_fixture_names_agree_with_their_verdicts(folder: Path):
    for form in ("hcl", "plan"):
        for verdict in ("pass", "fail"):
            for address in expected(folder)[form][verdict]:
                kinds = {m[:4] for m in re.findall(r"(?:^|\.)((?:pass|fail)_\w+)", address)}
                assert kinds == {verdict}, address


@pytest.mark.parametrize("form", ["hcl", "plan"])
def test_the_fixtures_parse_cleanly(form: str):
    assert scan(form).parsing_errors == ()


@pytest.mark.parametrize("form", ["hcl", "plan"])
def test_every_rule_runs_on_every_resource_of_the_types_it_judges(form: str):
    """Each CKV_RES check gives a verdict on every resource of its supported types (RES001 and
    RES003: every OCI resource; RES002 also every resource of another provider, a possible mover),
    and on no other: none is skipped silently."""
    from residency.checkov.metadata import EVERY_OCI_TYPE, supported_resources

    every = set(scan(form).verdicts("CKV_RES_001"))
    others = {a for folder in RULE_FOLDERS for verdict in ("pass", "fail") for a in expected(folder)[form][verdict]
              if not a.split(".")[-2].startswith("oci_")}
    assert every and others and not others & every
    for rule in RULES:
        types = supported_resources(rule.meta.id)
        wanted = every if types == EVERY_OCI_TYPE else {a for a in every if _type_of(a) in types}
        wanted = wanted | others if rule.meta.id == "RES002" else wanted
        assert set(scan(form).verdicts(check_id(rule.meta.id))) == wanted, rule.meta.id


def _type_of(address: str) -> str:
    return next(part for part in address.split(".") if part.startswith("oci_"))


@pytest.mark.parametrize("form", ["hcl", "plan"])
def test_provider_checks_pass_under_a_policy_that_allows_its_home_region(form: str):
    providers = scan(form).verdicts("CKV_RES_001", providers=True)
    assert providers and all(providers.values())


def test_oracle_style_terraform_with_region_variables_fails_rather_than_passes():
    """Oracle's examples take the region and the destination region from variables without a
    default: nothing in the files says where the data goes."""
    folder = CHECKOV_FIXTURES / "oracle_examples"
    result = scan("hcl")
    resources = {"oci_objectstorage_bucket.test_bucket", "oci_objectstorage_replication_policy.test_replication_policy",
                 "oci_core_volume_backup_policy.test_volume_backup_policy"}
    assert result.verdicts("CKV_RES_001", under=folder) == dict.fromkeys(resources, False)
    for address in resources:
        assert "var.region has no value" in " ".join(result.details("CKV_RES_001", address))
    movement = result.verdicts("CKV_RES_002", under=folder)
    assert movement == {  # the bucket moves nothing itself: CKV_RES_002 does not run on it
        "oci_objectstorage_replication_policy.test_replication_policy": False,
        "oci_core_volume_backup_policy.test_volume_backup_policy": False,
    }


def test_home_region_outside_the_allowed_regions_fails_the_provider_check(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.read_text().replace("home: us-ashburn-1", "home: eu-frankfurt-1"))
    result = run_checkov("--file", str(CHECKOV_FIXTURES / "foreign_reference" / "plan" / "plan.json"),
                         "--check", "CKV_RES_001", policy=policy)
    providers = result.verdicts("CKV_RES_001", providers=True)
    assert providers and not any(providers.values())
    assert "home region eu-frankfurt-1 is not an allowed region" in " ".join(result.details("CKV_RES_001", "oci.default"))


def test_waived_findings_pass_and_say_so_by_address_or_name_and_only_for_their_type(tmp_path):
    policy = tmp_path / "policy.yaml"
    expires = datetime.date.today() + datetime.timedelta(days=30)  # Checkov reads today's date
    waiver = ("  - rule: RES003\n    type: {type}\n    resource: {resource}\n"
              f"    reason: vendor key\n    approved_by: [CISO, DPO]\n    expires: {expires}\n")
    waivers = "".join(waiver.format(type=kind, resource=resource) for kind, resource in [
        ("oci_objectstorage_bucket", "oci_objectstorage_bucket.fail_key_in_frankfurt"),  # by address
        ("oci:ObjectStorage/bucket:Bucket", "fail_secret_key_*"),  # by name, the type as a pulumi token
        ("oci_core_volume", "fail_key_created_in_frankfurt"),  # a volume's waiver: not for the bucket
    ])
    text = POLICY.read_text()
    assert "\nwaivers:\n" in text
    policy.write_text(text.replace("\nwaivers:\n", "\nwaivers:\n" + waivers))
    result = run_checkov("--file", str(CHECKOV_FIXTURES / "foreign_reference" / "plan" / "plan.json"),
                         "--check", "CKV_RES_003", policy=policy)
    verdicts = result.verdicts("CKV_RES_003")
    assert verdicts["oci_objectstorage_bucket.fail_key_in_frankfurt"] is True
    assert verdicts["oci_objectstorage_bucket.fail_secret_key_in_frankfurt"] is True
    assert verdicts["oci_objectstorage_bucket.fail_key_created_in_frankfurt"] is False
    assert verdicts["oci_core_instance.fail_image_from_london"] is False
    assert "waived" in " ".join(result.details("CKV_RES_003", "oci_objectstorage_bucket.fail_key_in_frankfurt"))


def test_an_inline_suppression_in_the_scanned_code_does_not_waive_a_residency_finding(tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "oci" {\n  region = "eu-frankfurt-1"\n}\n\n'
        'resource "oci_objectstorage_bucket" "data" {\n'
        '  #checkov:skip=CKV_RES_001:the author says it is fine\n'
        '  compartment_id = "ocid1.compartment.oc1..aaaa"\n  name = "data"\n  namespace = "ns"\n}\n'
    )
    result = run_checkov("--directory", str(tmp_path), "--framework", "terraform", "--check", "CKV_RES_001", cwd=tmp_path)
    assert result.verdicts("CKV_RES_001") == {"oci_objectstorage_bucket.data": False}
    details = " ".join(result.details("CKV_RES_001", "oci_objectstorage_bucket.data"))
    assert "eu-frankfurt-1" in details and "`checkov:skip=CKV_RES_001` in the scanned code is ignored" in details


def test_an_unreadable_policy_fails_every_check_instead_of_passing(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nregions: {allowed: [mars-1]}\n")
    result = run_checkov("--file", str(CHECKOV_FIXTURES / "foreign_reference" / "plan" / "plan.json"),
                         "--check", "CKV_RES_003", policy=policy)
    verdicts = result.verdicts("CKV_RES_003")
    assert verdicts and not any(verdicts.values())
    assert "residency cannot be shown" in " ".join(result.details("CKV_RES_003", "oci_kms_vault.pass_frankfurt_vault"))


def test_every_rule_is_registered_by_the_one_check_module():
    """A rule module is a pair of checks with no other edit: Checkov runs both for every rule."""
    scanned = scan("plan")
    resource_checks = {r.check_id for r in scanned.results if not r.resource.startswith("oci.")}
    provider_checks = {r.check_id for r in scanned.results if r.resource.startswith("oci.")}
    wanted = {check_id(rule.meta.id) for rule in RULES}
    present = {_type_of(r.resource) for r in scanned.results if r.check_id == "CKV_RES_001" and r.resource.startswith("oci_")}
    judged = {check_id(rule.meta.id) for rule in RULES if _runs_on_any(rule.meta.id, present)}
    assert judged <= resource_checks and wanted <= provider_checks
    drift = {check_id(rule.meta.id) for rule in ALL_RULES if rule.meta.reads_deployed_state}
    assert drift and not drift & (resource_checks | provider_checks)
    assert [p.name for p in sorted(CHECKS.glob("*.py"))] == ["__init__.py", "residency_checks.py"]


def _runs_on_any(rule_id: str, types: set[str]) -> bool:
    from residency.checkov.metadata import EVERY_OCI_TYPE, supported_resources

    supported = supported_resources(rule_id)
    return supported == EVERY_OCI_TYPE or bool(types & set(supported))


def test_checks_follow_checkov_conventions():
    """A guideline URL, a severity for --hard-fail-on/--soft-fail-on, categories that fit and
    remediation in Terraform's words, read from Checkov's own output."""
    document = json.loads(checkov(
        "--file", str(CHECKOV_FIXTURES / "resource_region" / "plan" / "plan.json"),
        "--external-checks-dir", str(CHECKS), "--skip-download", "-o", "json", "--check", "CKV_RES_001",
        environment={**os.environ, "RESIDENCY_POLICY": str(POLICY)},
    ).stdout)
    failed = document["results"]["failed_checks"]
    assert failed
    for result in failed:
        assert result["guideline"].startswith("https://") and result["guideline"].endswith("#res001")
        assert result["severity"] == "CRITICAL"
        assert any(d.startswith("how to fix: Create the resource through a provider block") for d in result["details"])


def test_hard_fail_on_uses_the_rules_severity():
    plan = str(CHECKOV_FIXTURES / "missing_classification" / "plan" / "plan.json")  # RES004: medium
    common = ["--file", plan, "--external-checks-dir", str(CHECKS), "--skip-download", "--check", "CKV_RES_004", "--quiet"]
    environment = {**os.environ, "RESIDENCY_POLICY": str(POLICY)}
    high = checkov(*common, "--hard-fail-on", "HIGH", environment=environment)
    medium = checkov(*common, "--hard-fail-on", "MEDIUM", environment=environment)
    assert (high.returncode, medium.returncode) == (0, 1)
