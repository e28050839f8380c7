"""RES107-RES109 on Terraform: approvals beside the policy, network sources and grants read from HCL, by
`residency check` and by Checkov's CKV_RES_107-109 (tests/fixtures/terraform_access)."""

from __future__ import annotations

import datetime

import pytest
from checkov_support import needs_checkov, run_checkov
from conftest import FIXTURES
from ruamel.yaml import YAML

from residency.checkov.verdicts import check_id
from residency.engine import evaluate
from residency.policy import load_policy
from residency.sources.terraform_hcl import load_directory

FOLDER = FIXTURES / "terraform_access"
RULES = ("RES107", "RES108", "RES109")
EXPECTED = YAML(typ="safe").load((FOLDER / "expected.yaml").read_text())["findings"]


def findings():
    report = evaluate(load_directory(FOLDER / "hcl"), load_policy(FOLDER / "policy.yaml"), today=datetime.date(2026, 12, 15))
    return [f for f in report.findings if f.rule.id in RULES]


def test_residency_check_gives_exactly_the_expected_findings():
    found = findings()
    assert sorted((f.rule.id, f.resource.urn, f.path) for f in found) == sorted(
        (e["rule"], e["resource"], e["path"]) for e in EXPECTED)
    for entry in EXPECTED:
        (finding,) = [f for f in found if (f.rule.id, f.resource.urn, f.path) == (entry["rule"], entry["resource"], entry["path"])]
        assert entry["message_contains"] in finding.message
    assert {f.rule.id: f.level.value for f in found} == {"RES107": "mandatory", "RES108": "mandatory", "RES109": "advisory"}


@needs_checkov
@pytest.mark.slow
def test_checkov_fails_exactly_the_resources_with_findings():
    scan = run_checkov("--directory", str(FOLDER / "hcl"), "--framework", "terraform", policy=FOLDER / "policy.yaml")
    assert scan.parsing_errors == ()
    for rule in RULES:
        verdicts = scan.verdicts(check_id(rule))
        failing = {e["resource"] for e in EXPECTED if e["rule"] == rule}
        assert {address for address, passed in verdicts.items() if not passed} == failing, rule
        assert len(verdicts) == 11, "every resource gets a verdict"
    details = " ".join(scan.details("CKV_RES_107", "oci_identity_policy.fail_approval_expired"))
    assert "TF-4-expired expired on 2026-03-31" in details
