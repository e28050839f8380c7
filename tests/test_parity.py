"""Parity: the offline gate, the policy pack over the protocol and Checkov through the bridge give
the same verdict on one corpus (tests/parity.py): the same non-waived findings with their levels,
and the same exit decision - fixtures, the repository's stack, waived and expired-waiver cases,
disabled rules and unprovable findings at a level of their own. Terraform fixtures go through
the gate and Checkov (the pack reads only Pulumi)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from checkov_support import POLICY, needs_checkov
from conftest import FIXTURES
from parity import STACK, Gate, checkov_answers, corpus, pack_answers

from residency.checkov.verdicts import check_id
from residency.engine import evaluate
from residency.policy import load_policy
from residency.rules import RULES

pytestmark = pytest.mark.slow
CASES = corpus()
IDS = [case.id for case in CASES]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("parity")


@pytest.fixture(scope="module")
def gate() -> Gate:
    return Gate()


@pytest.fixture(scope="module")
def gate_answers(gate, scratch):
    # The programs run in the reverse of the order test_rule_fixtures.py runs them: on two workers at
    # once, each runs half and reads the other half (conftest.fixture_inventory), rather than both
    # waiting for the same run.
    return {case.id: gate.answer(case, scratch) for case in reversed(CASES)}


@pytest.fixture(scope="module")
def pack(gate, scratch):
    return pack_answers(CASES, gate, scratch)


@pytest.fixture(scope="module")
def checkov(gate, scratch):
    return checkov_answers(CASES, gate, scratch)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_pack_gives_the_gate_s_verdict(case, gate, scratch, gate_answers, pack):
    assert pack[case.id].findings == gate_answers[case.id].findings
    assert pack[case.id].fails == gate_answers[case.id].fails
    for finding in gate.report(case, scratch).findings:
        if finding.waived:
            continue
        # Why a value is unknown is worded for where it was read (offline: Pulumi.<stack>.yaml and
        # encrypted config; the engine: the stack config); what is reported is the same.
        message = finding.message if finding.proven else finding.message.split(":")[0]
        assert any(message in text and urn == finding.resource.urn for urn, text in pack[case.id].messages), message


@needs_checkov
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_checkov_gives_the_gate_s_verdict(case, gate_answers, checkov):
    assert checkov[case.id].findings == gate_answers[case.id].findings
    assert checkov[case.id].fails == gate_answers[case.id].fails


def test_the_corpus_has_every_kind_of_verdict(gate, scratch, gate_answers):
    reports = {case.id: gate.report(case, scratch) for case in CASES}
    findings = [f for report in reports.values() for f in report.findings]
    assert any(f.waived for f in findings), "a waived finding"
    assert any(f.waiver is not None and not f.waiver.active for f in findings), "an expired waiver"
    assert any(not f.proven and f.level.value == "advisory" for f in findings), "unprovable findings at their own level"
    # every rule the three engines share (not those that compare with a deployed state, which only
    # `residency check --state` reads)
    shared = {r.meta.id for r in RULES if not r.meta.reads_deployed_state}
    assert {rule for answer in gate_answers.values() for rule, _, _ in answer.findings} == shared
    assert gate_answers["disabled/resource-region"].findings == frozenset()
    assert not gate_answers["repository/us-prod"].fails
    assert any(not answer.fails for answer in gate_answers.values()) and any(a.fails for a in gate_answers.values())


CHECKOV_FIXTURES = FIXTURES / "checkov"
TERRAFORM = [(folder, form) for folder in sorted(p.parent for p in CHECKOV_FIXTURES.glob("*/expected.yaml"))
             for form in ("hcl", "plan")] + [(CHECKOV_FIXTURES / "oracle_examples", "hcl")]


def _unindexed(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


@needs_checkov
@pytest.mark.parametrize("folder, form", TERRAFORM, ids=[f"{f.name}-{form}" for f, form in TERRAFORM])
def test_checkov_on_terraform_gives_the_gate_s_verdict(folder: Path, form: str):
    from test_checkov_checks import scan  # the Checkov run over every Terraform fixture, shared

    if form == "hcl":
        from residency.sources.terraform_hcl import load_directory

        source = folder / "hcl" if (folder / "hcl").is_dir() else folder
        inventory = load_directory(source)
    else:
        from residency.sources.terraform_plan import load_plan

        source = folder / "plan"
        inventory = load_plan(source / "plan.json")
    report = evaluate(inventory, load_policy(POLICY))
    stack = inventory.source.stack_urn or inventory.source.path
    gate = {(f.rule.id, STACK if f.resource.urn == stack else _unindexed(f.resource.urn))
            for f in report.findings if not f.waived}
    result = scan(form)
    failed = set()
    for rule in RULES:
        for providers in (False, True):
            for address, passed in result.verdicts(check_id(rule.meta.id), under=source, providers=providers).items():
                if not passed:
                    failed.add((rule.meta.id, STACK if providers else _unindexed(address)))
    assert failed == gate
