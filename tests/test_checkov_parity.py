"""Parity: Checkov, scanning the exported plans of the fixture programs with the residency
checks, fails exactly the resources (and deployments) that `residency check` finds, rule for
rule, and passes every other."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from checkov_support import POLICY, Scan, needs_checkov, run_checkov
from residency.checkov.verdicts import check_id
from residency.export.terraform_plan import export_plan
from residency.rules import RULES
from residency.sources.pulumi_project import load_project, load_stack_config
from test_rule_fixtures import CASES, evaluate_fixture

pytestmark = [needs_checkov, pytest.mark.slow]
STACK = "deployment"  # what a provider check reports on: the deployment as a whole


@dataclass(frozen=True)
class Exported:
    plan: Path
    addresses: dict[str, str]  # URN -> address
    engine: frozenset[tuple[str, str]]  # (rule id, URN or STACK) of the findings that count


@cache
def exported(directory: Path) -> dict[Path, Exported]:
    """Every fixture program, exported into `directory`, grouped by the policy it runs under."""
    found = {}
    for case in CASES:
        report = evaluate_fixture(case)
        config = load_stack_config(load_project(case), "test")
        plan = export_plan(report.inventory, config.get("oci:region"), config.get("oci:auth"))
        group = directory / (case.name if (case / "policy.yaml").is_file() else "default")
        group.mkdir(parents=True, exist_ok=True)
        path = group / f"{case.parent.name}--{case.name}.json"
        path.write_text(json.dumps(plan.document))
        stack_urn = report.inventory.source.stack_urn
        engine = frozenset(
            (f.rule.id, STACK if f.resource.urn == stack_urn else f.resource.urn) for f in report.findings if not f.waived
        )
        found[case] = Exported(path, plan.addresses, engine)
    return found


@cache
def scan(group: Path, policy: Path) -> Scan:
    return run_checkov("--directory", str(group), "--framework", "terraform_plan", policy=policy)


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[Path, Exported]:
    return exported(tmp_path_factory.mktemp("exported"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_checkov_fails_exactly_what_residency_check_finds(case: Path, plans):
    export = plans[case]
    policy = case / "policy.yaml" if (case / "policy.yaml").is_file() else POLICY
    result = scan(export.plan.parent, policy)
    assert result.parsing_errors == ()
    urns = {address: urn for urn, address in export.addresses.items()}
    failed, verdicts = set(), 0
    for rule in RULES:
        for address, passed in result.verdicts(check_id(rule.meta.id), under=export.plan).items():
            verdicts += 1
            if not passed:
                failed.add((rule.meta.id, urns[address]))
        providers = result.verdicts(check_id(rule.meta.id), under=export.plan, providers=True)
        assert providers, "every plan has an oci provider for the deployment-wide checks"
        if not all(providers.values()):
            failed.add((rule.meta.id, STACK))
    assert failed == export.engine
    wanted = sum(runs_on(rule.meta.id, address) for rule in RULES for address in export.addresses.values())
    assert verdicts == wanted, "every exported resource gets a verdict from every check that runs on its type"


def runs_on(rule_id: str, address: str) -> bool:
    from residency.checkov.metadata import EVERY_OCI_TYPE, supported_resources

    types = supported_resources(rule_id)
    resource_type = [part for part in address.split(".") if part.startswith("oci_")][0]
    return types == EVERY_OCI_TYPE or resource_type in types


def test_the_fixture_programs_cover_every_rule_failing_and_passing(plans):
    failing = {rule for export in plans.values() for rule, _ in export.engine}
    assert failing == {rule.meta.id for rule in RULES}
    assert any(not export.engine for export in plans.values())

