"""The boundary against the residency gate: each stack gives no finding at any level, and each
noncompliant variant gives exactly the findings it should."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from residency.engine import evaluate
from residency.policy import load_policy
from residency.sources.pulumi_program import run_program
from stack_inventory import REPO, project_copy

VARIANTS = REPO / "tests" / "fixtures" / "boundary_variants"


# The one exception on record in policies/residency.yaml: the database's dynamic group names a
# compartment by the OCID the stack creates, which no preview can know.
WAIVED = {"us-prod": [("RES106", "us-protected-data-databases")], "us-dev": []}


@pytest.mark.parametrize("stack", ["us-prod", "us-dev"])
def test_each_stack_passes_the_gate_at_every_level(stack):
    result = subprocess.run(
        [sys.executable, "-m", "residency", "check", ".", "--stack", stack, "--fail-on", "advisory", "--format", "json"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule_id"], f["resource"]["name"]) for f in findings if not (f["waiver"] and f["waiver"]["active"])] == []
    assert [(f["rule_id"], f["resource"]["name"]) for f in findings] == WAIVED[stack]


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
    report = evaluate(run_program(directory, "variant"), load_policy(directory / "policies" / "residency.yaml"))
    expected = YAML(typ="safe").load((variant / "expected.yaml").read_text())["findings"]
    actual = sorted((f.rule.id, f.resource.name, f.path, f.level.value, f.proven) for f in report.findings if not f.waived)
    assert actual == sorted((e["rule"], e["resource"], e["path"], e["level"], e["proven"]) for e in expected)
    for entry in expected:
        if "message_contains" in entry:
            (finding,) = [f for f in report.findings
                          if (f.rule.id, f.resource.name, f.path) == (entry["rule"], entry["resource"], entry["path"])]
            assert entry["message_contains"] in finding.message
