"""The rules' work shared with forks of the process gives exactly the findings one process gives, in
the same order, with the policy's own objects in them; a fork that fails changes nothing."""

from __future__ import annotations

import datetime
import json
import os
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from residency import engine, forking
from residency.cli import main
from residency.engine import evaluate, workers_for
from residency.policy import load_policy
from residency.sources.terraform_hcl import load_directory
from residency.sources.terraform_plan import load_plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from terraform_speed import plan_document

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux"), pytest.mark.usefixtures("may_fork")]
FIXTURES = Path(__file__).parent / "fixtures"
DAY = datetime.date(2026, 12, 2)
PLANS = sorted((FIXTURES / "checkov").glob("*/plan/plan.json")) + sorted((FIXTURES / "terraform").glob("*/*/plan.json"))
DIRECTORIES = [FIXTURES / "checkov" / "oracle_examples", *sorted(p.parent for p in (FIXTURES / "terraform").glob("*/*/main.tf"))]
# The built-in policy and a waiver of one of the generated plan's findings: the finding must come
# back with the policy's own waiver.
WAIVED_POLICY = resources.files("residency.policy").joinpath("default.yaml").read_text() + """
waivers:
  - rule: foreign-reference
    type: oci_objectstorage_bucket
    resource: oci_objectstorage_bucket.r6
    reason: the key is created in the same apply, in the same region
    approved_by: [security-architecture@example.com, data-protection-officer@example.com]
    expires: 2027-01-31
"""



@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """How many forks the engine made."""
    made: list[int] = []
    real = forking.forked

    def counted(work, shared=()):
        made.append(1)
        return real(work, shared)

    monkeypatch.setattr(forking, "forked", counted)
    return made


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """A plan of 600 resources, half in modules, a third with a finding, and a policy waiving one."""
    folder = tmp_path_factory.mktemp("sharded")
    (folder / "plan.json").write_text(json.dumps(plan_document(600)))
    (folder / "residency.yaml").write_text(WAIVED_POLICY)
    return folder / "plan.json", folder / "residency.yaml"


def _same_with_more_workers(inventory, policy, forks: list[int]) -> None:
    one = evaluate(inventory, policy, workers=1, today=DAY)
    assert forks == []
    for workers in (2, 3):
        many = evaluate(inventory, policy, workers=workers, today=DAY)
        assert many.findings == one.findings  # the same findings, in the same order
        assert many.rules == one.rules
    assert len(forks) == 1 + 2


@pytest.mark.parametrize("plan", PLANS, ids=[str(p.parent.relative_to(FIXTURES)) for p in PLANS])
def test_forks_find_in_a_plan_exactly_what_one_process_finds(plan: Path, forks):
    _same_with_more_workers(load_plan(plan), load_policy("builtin"), forks)


@pytest.mark.parametrize("directory", DIRECTORIES, ids=[str(p.relative_to(FIXTURES)) for p in DIRECTORIES])
def test_forks_find_in_a_directory_exactly_what_one_process_finds(directory: Path, forks):
    _same_with_more_workers(load_directory(directory), load_policy("builtin"), forks)


def test_the_findings_forks_send_back_hold_the_policys_own_rules_and_waivers(generated, forks):
    plan, policy_file = generated
    policy = load_policy(policy_file, today=DAY)
    inventory = load_plan(plan)
    _same_with_more_workers(inventory, policy, forks)
    report = evaluate(inventory, policy, workers=2, today=DAY)
    waived = [f for f in report.findings if f.waiver is not None]
    assert [f.resource.urn for f in waived] == ["oci_objectstorage_bucket.r6"]
    assert waived[0].waiver.waiver is policy.waivers[0]
    rules = {meta.id: meta for meta, _ in report.rules}
    assert all(f.rule is rules[f.rule.id] for f in report.findings)
    assert len(report.findings) == 200


def test_a_fork_that_fails_leaves_its_part_to_this_process(generated, monkeypatch):
    plan, policy_file = generated
    policy = load_policy(policy_file, today=DAY)
    inventory = load_plan(plan)
    one = evaluate(inventory, policy, workers=1, today=DAY)
    real = forking.forked

    def failing(work, shared=()):
        return real(lambda: os._exit(3), shared)

    monkeypatch.setattr(forking, "forked", failing)
    assert evaluate(inventory, policy, workers=2, today=DAY).findings == one.findings


def test_stretches_a_fork_took_and_never_sent_back_are_judged_here(generated, monkeypatch):
    plan, policy_file = generated
    policy = load_policy(policy_file, today=DAY)
    inventory = load_plan(plan)
    one = evaluate(inventory, policy, workers=1, today=DAY)
    parent, real = os.getpid(), forking._claimed

    def dying(pipe):
        for claim in real(pipe):
            if os.getpid() != parent:
                os._exit(3)  # the fork took a stretch, then died before judging it
            yield claim

    monkeypatch.setattr(forking, "_claimed", dying)
    assert evaluate(inventory, policy, workers=2, today=DAY).findings == one.findings


def test_one_process_per_core_and_per_share_of_resources(generated, monkeypatch):
    inventory = load_plan(generated[0])
    monkeypatch.setattr(forking, "usable_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE", 300)
    assert workers_for(inventory) == 2
    monkeypatch.setattr(engine, "SHARE", 301)
    assert workers_for(inventory) == 1  # 600 resources: one share and a half
    monkeypatch.setattr(engine, "SHARE", 100)
    assert workers_for(inventory) == 2  # no more than the cores
    monkeypatch.setattr(forking, "usable_cores", lambda: 1)
    assert workers_for(inventory) == 1


def test_the_check_command_shares_a_large_inventory_and_reports_the_same(generated, forks, monkeypatch):
    plan, _ = generated
    arguments = ["check", str(plan), "--policy", "builtin", "--format", "json"]
    alone = CliRunner().invoke(main, arguments)
    assert forks == []
    monkeypatch.setattr(forking, "usable_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE", 100)
    shared = CliRunner().invoke(main, arguments)
    assert forks == [1]
    assert shared.exit_code == alone.exit_code == 1
    assert shared.output == alone.output
