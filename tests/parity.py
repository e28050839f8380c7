"""The parity corpus and what each engine says about it.

One corpus - every fixture program (with its own policy, or the built-in one), the repository's
own us-prod stack, and the same programs under policies that disable a rule or give unprovable
findings a level of their own - goes through the three engines as a user meets them:

- the offline gate (`residency check`: the program run offline, then the engine);
- the policy pack over the protocol, as `pulumi preview --policy-pack` drives it (Analyze for each
  resource, then AnalyzeStack), one pack process per policy;
- Checkov with the residency checks on the program's plan export, one Checkov run for the whole
  corpus: each plan sits beside its own `policies/residency.yaml`, which the checks find as
  `residency check` finds it, and the checks fail at `--fail-on mandatory` as `residency checkov`
  runs them.

Each engine's answer is reduced to the same terms: the non-waived findings as (rule id, resource,
level), resource being the URN (or STACK for the deployment as a whole), and the exit decision.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from analyzer_harness import PACK_DIR, Diagnostic, running_pack
from checkov_support import CHECKS, Scan, checkov, parse_scan
from conftest import PROGRAMS, REPO, fixture_inventory

from residency.checkov.verdicts import BELOW_FAIL_ON, FAIL_ON_ENVIRONMENT, POLICY_ENVIRONMENT, check_id
from residency.enforcement import Level
from residency.engine import evaluate
from residency.export.terraform_plan import export_plan
from residency.findings import Report
from residency.inventory import Inventory
from residency.pack_names import split_policy_name
from residency.policy import load_policy
from residency.rules import RULES
from residency.sources.pulumi_project import load_project, load_stack_config

STACK = "deployment"  # findings about the deployment as a whole (the stack; Checkov's provider checks)
BUILTIN_POLICY = resources.files("residency.policy").joinpath("default.yaml").read_text()
REPOSITORY_POLICY = (REPO / "policies" / "residency.yaml").read_text()
RULE_BY_NAME = {rule.meta.name: rule.meta.id for rule in RULES}


@dataclass(frozen=True)
class Case:
    id: str
    directory: Path  # the Pulumi program
    stack: str
    policy_text: str
    approvals: Path | None = None  # the approvals/ folder beside the case's policy (RES107)

    def write_policy(self, folder: Path, name: str = "residency.yaml") -> Path:
        """The case's policy in `folder`, with its approvals beside it, as every engine finds them."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(self.policy_text)
        if self.approvals is not None:
            shutil.copytree(self.approvals, folder / "approvals", dirs_exist_ok=True)
        return folder / name

    @cached_property
    def default_provider(self) -> dict:
        """What the engine gives the default provider from the stack config."""
        config = load_stack_config(load_project(self.directory), self.stack)
        return {key: config.get(f"oci:{key}") for key in ("region", "auth") if config.get(f"oci:{key}") is not None}


def _with_rules(policy_text: str, rules: str) -> str:
    assert "\nrules:" not in policy_text
    return policy_text + f"rules:\n{rules}"


def corpus() -> list[Case]:
    cases = []
    for directory in sorted(p for p in PROGRAMS.glob("*/*") if (p / "expected.yaml").is_file()):
        policy = directory / "policy.yaml"
        text = policy.read_text() if policy.is_file() else BUILTIN_POLICY
        approvals = directory / "approvals" if (directory / "approvals").is_dir() else None
        cases.append(Case(f"{directory.parent.name}/{directory.name}", directory, "test", text, approvals))
    cases.append(Case("repository/us-prod", REPO, "us-prod", REPOSITORY_POLICY, REPO / "policies" / "approvals"))
    frankfurt = PROGRAMS / "resource_region" / "fail_frankfurt_provider"
    unknown = PROGRAMS / "cross_region_movement" / "fail_destination_unknown"
    cases += [
        Case("disabled/resource-region", frankfurt, "test", _with_rules(BUILTIN_POLICY, "  resource-region: disabled\n")),
        Case("unproven-advisory/cross-region-movement", unknown, "test",
             _with_rules(BUILTIN_POLICY, "  cross-region-movement: {level: mandatory, unproven: advisory}\n")),
        Case("unproven-only/cross-region-movement", unknown, "test",
             _with_rules(BUILTIN_POLICY, "  cross-region-movement: {level: disabled, unproven: mandatory}\n")),
    ]
    return cases


@dataclass(frozen=True)
class Answer:
    """What an engine says: its non-waived findings and whether the run fails."""

    findings: frozenset[tuple[str, str, str]]  # (rule id, URN or STACK, level)
    fails: bool
    messages: tuple[tuple[str, str], ...] = ()  # (URN, message) as the engine words them, where it does


class Gate:
    """The offline gate: each program run once (and shared with the other tests that run it)."""

    def __init__(self):
        self._inventories: dict[tuple[Path, str], Inventory] = {}

    def inventory(self, case: Case) -> Inventory:
        key = (case.directory, case.stack)
        if key not in self._inventories:
            self._inventories[key] = fixture_inventory(case.directory, case.stack)
        return self._inventories[key]

    def report(self, case: Case, scratch: Path) -> Report:
        policy_file = case.write_policy(scratch / "policies" / case.id)
        return evaluate(self.inventory(case), load_policy(policy_file))

    def answer(self, case: Case, scratch: Path) -> Answer:
        report = self.report(case, scratch)
        stack_urn = report.inventory.source.stack_urn
        findings = frozenset(
            (f.rule.id, STACK if f.resource.urn == stack_urn else f.resource.urn, f.level.value)
            for f in report.findings if not f.waived
        )
        return Answer(findings, bool(report.failing(Level.MANDATORY)))


def pack_answers(cases: Iterable[Case], gate: Gate, scratch: Path) -> dict[str, Answer]:
    """The pack, one process per policy, previewing each case as the engine would."""
    by_policy: dict[tuple[str, Path | None], list[Case]] = {}
    for case in cases:
        by_policy.setdefault((case.policy_text, case.approvals), []).append(case)
    answers = {}
    for number, group in enumerate(by_policy.values()):
        pack_dir = scratch / f"pack-{number}"
        shutil.copytree(PACK_DIR, pack_dir)
        group[0].write_policy(pack_dir)  # a published pack reads the policy (and approvals) beside it
        with running_pack(pack_dir) as analyzer:
            for case in group:
                inventory = gate.inventory(case)
                answers[case.id] = _pack_answer(analyzer.preview(inventory, case.default_provider), inventory)
    return answers


def _pack_answer(diagnostics: list[Diagnostic], inventory: Inventory) -> Answer:
    findings = set()
    for diagnostic in diagnostics:
        rule_name, _, _ = split_policy_name(diagnostic.policy)
        urn = STACK if diagnostic.urn == inventory.source.stack_urn else diagnostic.urn
        findings.add((RULE_BY_NAME[rule_name], urn, diagnostic.level))
    messages = tuple((d.urn, d.message) for d in diagnostics)
    return Answer(frozenset(findings), any(d.level == Level.MANDATORY.value for d in diagnostics), messages)


def checkov_answers(cases: Iterable[Case], gate: Gate, scratch: Path) -> dict[str, Answer]:
    """One Checkov run over every case's plan export, each beside its own policies/residency.yaml."""
    root = scratch / "plans"
    addresses: dict[str, dict[str, str]] = {}
    for number, case in enumerate(cases):
        folder = root / f"case-{number}"
        case.write_policy(folder / "policies")
        provider = case.default_provider
        plan = export_plan(gate.inventory(case), provider.get("region"), provider.get("auth"))
        (folder / "plan.json").write_text(json.dumps(plan.document))
        addresses[case.id] = {address: urn for urn, address in plan.addresses.items()}
        addresses[case.id]["@folder"] = str(folder)
    scan = run_checkov_without_policy(root)
    assert scan.parsing_errors == ()
    answers = {}
    for case in cases:
        folder = Path(addresses[case.id]["@folder"])
        answers[case.id] = _checkov_answer(scan, folder, addresses[case.id])
    return answers


def run_checkov_without_policy(directory: Path) -> Scan:
    """Checkov as `residency checkov` runs it, but with the policy left to discovery."""
    environment = {key: value for key, value in os.environ.items() if key != POLICY_ENVIRONMENT}
    environment[FAIL_ON_ENVIRONMENT] = Level.MANDATORY.value
    completed = checkov("--directory", str(directory), "--framework", "terraform_plan", "--external-checks-dir",
                        str(CHECKS), "--skip-download", "--output", "json", environment=environment, cwd=directory)
    assert completed.returncode in (0, 1), completed.stderr[-3000:]
    return parse_scan(completed.stdout)


def _checkov_answer(scan: Scan, folder: Path, urns: dict[str, str]) -> Answer:
    """A failed check is a finding that fails the run; a check's details also show findings below
    --fail-on (it passes with them)."""
    rule_ids = {check_id(rule.meta.id): rule.meta.id for rule in RULES}
    findings = set()
    for result in scan.results:
        if result.check_id not in rule_ids or not Path(result.file).is_relative_to(folder):
            continue
        rule_id = rule_ids[result.check_id]
        urn = STACK if result.resource.startswith("oci.") else urns[result.resource]
        if not result.passed:
            findings.add((rule_id, urn, Level.MANDATORY.value))
        for detail in result.details:
            if detail.endswith(BELOW_FAIL_ON):
                findings.add((rule_id, urn, detail.split(":", 1)[0]))
    return Answer(frozenset(findings), any(level == Level.MANDATORY.value for _, _, level in findings))
