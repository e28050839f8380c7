"""The boundary against the residency gate: each stack gives no finding at any level, and each
noncompliant variant gives exactly the findings it should."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from conftest import fixture_inventory
from ruamel.yaml import YAML
from stack_inventory import REPO, project_copy

from residency.enforcement import Level
from residency.engine import evaluate
from residency.policy import load_policy
from residency.sources.pulumi_program import run_program

VARIANTS = REPO / "tests" / "fixtures" / "boundary_variants"


# The one exception on record in policies/residency.yaml: the database's dynamic group names a
# compartment by the OCID the stack creates, which no preview can know.
WAIVED = {"us-prod": [("RES106", "us-protected-data-databases")], "us-dev": []}
# The day the gate is run on here: the waiver is judged on this day, not on the day the tests run,
# so that the test does not turn red by itself when the waiver ends (that is the gate's job).
TODAY = datetime.date(2026, 12, 1)
POLICY = REPO / "policies" / "residency.yaml"


@pytest.mark.parametrize("stack", ["us-prod", "us-dev"])
def test_each_stack_passes_the_gate_at_every_level(stack):
    report = evaluate(fixture_inventory(REPO, stack), load_policy(POLICY, today=TODAY), today=TODAY)
    assert [(f.rule.id, f.resource.name) for f in report.failing(Level.ADVISORY)] == []
    assert [(f.rule.id, f.resource.name) for f in report.findings] == WAIVED[stack]
    assert all(f.waived for f in report.findings)


def test_the_stack_s_waiver_is_one_the_gate_enforces():
    """On the day after the waiver ends, us-prod fails: the waiver is an exception with an end."""
    policy = load_policy(POLICY, today=TODAY)
    (waiver,) = policy.waivers
    after = waiver.expires + datetime.timedelta(days=1)
    report = evaluate(fixture_inventory(REPO, "us-prod"), policy, today=after)
    waived_rules = {rule for rule, _ in WAIVED["us-prod"]}
    assert [(f.rule.id, f.resource.name) for f in report.failing(Level.MANDATORY) if f.rule.id in waived_rules] == WAIVED["us-prod"]


def test_the_stack_s_approvals_end_and_its_grants_fail_until_renewed():
    """Access to the boundary is approved for a year: the day after, every grant fails RES107."""
    policy = load_policy(POLICY, today=TODAY)
    last = max(approval.expires for approval in policy.approvals)
    report = evaluate(fixture_inventory(REPO, "us-prod"), policy, today=last + datetime.timedelta(days=1))
    expired = [f for f in report.failing(Level.MANDATORY) if f.rule.id == "RES107"]
    assert len(expired) == len(policy.approvals) == 25
    assert all("expired on" in f.message for f in expired)


def variant_project(variant: Path, directory: Path) -> Path:
    """us-prod with the variant's config overrides and, if it has one, its own __main__.py."""
    yaml = YAML(typ="safe")
    stack = yaml.load((REPO / "Pulumi.us-prod.yaml").read_text())
    overrides = variant / "overrides.yaml"
    if overrides.is_file():
        stack["config"].update(yaml.load(overrides.read_text()))
    text = StringIO()
    YAML().dump(stack, text)
    files = {"Pulumi.variant.yaml": text.getvalue()}
    if (variant / "__main__.py").is_file():
        files["stacks/__main__.py"] = (variant / "__main__.py").read_text()
    return project_copy(directory, files)


@pytest.mark.parametrize("variant", sorted(p for p in VARIANTS.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_a_noncompliant_variant_gives_exactly_the_expected_findings(variant, tmp_path):
    directory = variant_project(variant, tmp_path)
    policy = load_policy(directory / "policies" / "residency.yaml", today=TODAY)
    report = evaluate(run_program(directory, "variant"), policy, today=TODAY)
    expected = YAML(typ="safe").load((variant / "expected.yaml").read_text())["findings"]
    actual = sorted((f.rule.id, f.resource.name, f.path, f.level.value, f.proven) for f in report.findings if not f.waived)
    assert actual == sorted((e["rule"], e["resource"], e["path"], e["level"], e["proven"]) for e in expected)
    for entry in expected:
        if "message_contains" in entry:
            (finding,) = [f for f in report.findings
                          if (f.rule.id, f.resource.name, f.path) == (entry["rule"], entry["resource"], entry["path"])]
            assert entry["message_contains"] in finding.message
