"""Every rule against its fixture programs: each folder holds a small Pulumi program and the
exact findings it must give (rule, resource, property, level, proven)."""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import PROGRAMS, fixture_inventory
from residency.engine import evaluate
from residency.policy import load_policy
from residency.rules import RULES

CASES = sorted(p for p in PROGRAMS.glob("*/*") if (p / "expected.yaml").is_file())


def evaluate_fixture(case: Path):
    policy_file = case / "policy.yaml"
    policy = load_policy(policy_file if policy_file.is_file() else None, cwd=case)
    return evaluate(fixture_inventory(case), policy)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture_gives_exactly_the_expected_findings(case: Path):
    expected = YAML(typ="safe").load((case / "expected.yaml").read_text())["findings"]
    report = evaluate_fixture(case)
    actual = sorted(
        (f.rule.id, f.resource.name, f.path, f.level.value, f.proven) for f in report.findings
    )
    assert actual == sorted(
        (e["rule"], e["resource"], e["path"], e["level"], e["proven"]) for e in expected
    )
    for entry in expected:
        if "message_contains" in entry:
            messages = [f.message for f in report.findings if (f.rule.id, f.resource.name, f.path) == (entry["rule"], entry["resource"], entry["path"])]
            assert any(entry["message_contains"] in m for m in messages), messages


@pytest.mark.parametrize("rule", RULES, ids=[r.meta.name for r in RULES])
def test_every_rule_has_passing_and_failing_fixtures(rule):
    folder = PROGRAMS / rule.meta.name.replace("-", "_")
    names = [p.name for p in folder.iterdir() if p.is_dir()]
    assert any(n.startswith("pass_") for n in names), f"{folder} has no pass_ fixture"
    assert any(n.startswith("fail_") for n in names), f"{folder} has no fail_ fixture"
    for case in folder.iterdir():
        if case.name.startswith("fail_"):
            report = evaluate_fixture(case)
            if rule.meta.id in {f.rule.id for f in report.findings}:
                break
    else:
        pytest.fail(f"no fail_ fixture in {folder} triggers {rule.meta.id}")
