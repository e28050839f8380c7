"""Every rule against its fixture programs: each folder holds a small Pulumi program and the
exact findings it must give (rule, resource, property, level, proven, and `waived: true` where a
waiver of the folder's policy.yaml covers it). A `state.json` beside the program is what is
deployed, for the rules that compare the two (`residency check --state`)."""

import copy
import datetime
from pathlib import Path

import pytest
from conftest import PROGRAMS, fixture_inventory
from ruamel.yaml import YAML

from residency.engine import evaluate
from residency.policy import BUILTIN, load_policy
from residency.rules import RULES, RuleContext
from residency.sources.files import load_file

CASES = sorted(p for p in PROGRAMS.glob("*/*") if (p / "expected.yaml").is_file())
# The day the fixtures are judged on: their waivers are active or expired whatever the date.
TODAY = datetime.date(2026, 12, 1)


def evaluate_fixture(case: Path, today: datetime.date = TODAY, *, deployed: bool = False):
    """`deployed`: with the fixture's state.json, where it has one (other engines never have one)."""
    policy_file = case / "policy.yaml"
    policy = load_policy(policy_file if policy_file.is_file() else BUILTIN, today=today)
    inventory = fixture_inventory(case)  # run once per session; a copy where the deployed state is added
    if deployed and (case / "state.json").is_file():
        inventory = copy.copy(inventory)
        inventory.deployed = load_file(case / "state.json")
    return evaluate(inventory, policy, today=today)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture_gives_exactly_the_expected_findings(case: Path):
    expected = YAML(typ="safe").load((case / "expected.yaml").read_text())["findings"]
    report = evaluate_fixture(case, deployed=True)
    actual = sorted(
        (f.rule.id, f.resource.name, f.path, f.level.value, f.proven, f.waived) for f in report.findings
    )
    assert actual == sorted(
        (e["rule"], e["resource"], e["path"], e["level"], e["proven"], e.get("waived", False)) for e in expected
    )
    for entry in expected:
        if "message_contains" in entry:
            messages = [f.message for f in report.findings if (f.rule.id, f.resource.name, f.path) == (entry["rule"], entry["resource"], entry["path"])]
            assert any(entry["message_contains"] in m for m in messages), messages


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_a_rule_reports_nothing_on_the_types_it_says_it_does_not_report_on(case: Path):
    """The engine asks a rule only about the types of `reports_on_type`: asked about the others,
    it finds nothing either."""
    policy_file = case / "policy.yaml"
    inventory = fixture_inventory(case)
    context = RuleContext(load_policy(policy_file if policy_file.is_file() else BUILTIN, today=TODAY), inventory, TODAY)
    for rule in RULES:
        skipped = [r for r in inventory.resources if not rule.reports_on_type(r.token)]
        assert [v for r in skipped for v in rule.check(r, context)] == [], rule.meta.id


@pytest.mark.parametrize("rule", RULES, ids=[r.meta.name for r in RULES])
def test_every_rule_has_passing_and_failing_fixtures(rule):
    folder = PROGRAMS / rule.meta.name.replace("-", "_")
    names = [p.name for p in folder.iterdir() if p.is_dir()]
    assert any(n.startswith("pass_") for n in names), f"{folder} has no pass_ fixture"
    assert any(n.startswith("fail_") for n in names), f"{folder} has no fail_ fixture"
    for case in folder.iterdir():
        if case.name.startswith("fail_"):
            report = evaluate_fixture(case, deployed=True)
            if rule.meta.id in {f.rule.id for f in report.findings}:
                break
    else:
        pytest.fail(f"no fail_ fixture in {folder} triggers {rule.meta.id}")


def test_waivers_are_judged_on_the_day_a_policy_is_read():
    """The same fixture on the day after its waiver ends: the finding counts again."""
    case = PROGRAMS / "resource_region" / "pass_waived_bucket_in_frankfurt"
    (on_the_last_day,) = evaluate_fixture(case, today=datetime.date(2027, 6, 30)).findings
    (the_day_after,) = evaluate_fixture(case, today=datetime.date(2027, 7, 1)).findings
    assert on_the_last_day.waived and not on_the_last_day.fails(on_the_last_day.level)
    assert not the_day_after.waived and the_day_after.waiver.waiver.approved_by == "data protection officer, security architect"


def test_a_rule_is_one_module_discovered_with_no_other_edit(tmp_path, monkeypatch):
    """What RULES is made of: every class with a RuleMeta of its own in a module of the package."""
    from residency.rules import discover

    package = tmp_path / "more_rules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("class NotARule:\n    meta = None\n")
    (package / "res999_example.py").write_text(
        "from residency.rules.base import ResourceRule, RuleMeta\n"
        "from residency.enforcement import Severity\n\n"
        "class Example(ResourceRule):\n"
        "    meta = RuleMeta(id='RES999', name='example', title='t', severity=Severity.LOW, rationale='r',\n"
        "                    remediation='m', applies_to='a')\n\n"
        "    def check(self, resource, context):\n        return ()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (rule,) = discover("more_rules", [str(package)])
    assert (rule.meta.id, rule.meta.name) == ("RES999", "example")
    assert [r.meta.id for r in RULES] == sorted(r.meta.id for r in RULES)  # every engine sees them in id order
