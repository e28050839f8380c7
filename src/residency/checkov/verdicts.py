"""What the residency rules say about a Terraform source, resource by resource.

Checkov shows a check one resource at a time, and on a plan without its provider. So the checks
read the whole source with the engine's own Terraform sources - the plan file, or the root
module's directory - which link every resource to its provider configuration and region, and
run the engine once per source and rule: the same levels, waivers and fail-closed reading as
`residency check`. Nothing here imports Checkov.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from residency.enforcement import Level
from residency.engine import evaluate
from residency.errors import InputError
from residency.findings import Finding, ResourceIdentity
from residency.inventory import Inventory, Resource
from residency.inventory.model import UNREAD_MODULE_TYPE
from residency.policy import BUILTIN, ResidencyPolicy, find_policy, load_policy
from residency.rules import RULES, Rule
from residency.sources.terraform_variables import Assignment

# The policy file the checks read (`builtin`: the built-in one; `residency checkov` always sets it);
# without it, the policies/residency.yaml that governs the scanned source, found as `residency check`
# finds it; the built-in policy only outside CI.
POLICY_ENVIRONMENT = "RESIDENCY_POLICY"
# The --var-file/--var inputs `residency checkov` was given, for the checks inside Checkov's process (JSON).
INPUTS_ENVIRONMENT = "RESIDENCY_TERRAFORM_INPUTS"
# The lowest level whose findings fail a check (`residency checkov --fail-on` sets it). Checkov
# has no levels, and a rule's proven and unproven findings may have different ones, so the
# check itself decides; without it every finding fails its check, as plain Checkov would.
FAIL_ON_ENVIRONMENT = "RESIDENCY_FAIL_ON"
BELOW_FAIL_ON = "(below --fail-on: reported, not failing)"  # ends the detail of such a finding


def check_id(rule_id: str) -> str:
    """The Checkov id of a rule's checks: RES001 -> CKV_RES_001."""
    return "CKV_RES_" + rule_id.removeprefix("RES")


def rule_by_id(rule_id: str) -> Rule:
    return next(rule for rule in RULES if rule.meta.id == rule_id)


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...]  # the findings that fail the check
    waived: tuple[Finding, ...]
    below: tuple[Finding, ...] = ()  # findings at a level below RESIDENCY_FAIL_ON: shown, not failing

    @property
    def passed(self) -> bool:
        return not self.findings


class SourceVerdicts:
    def __init__(self, inventory: Inventory, policy: ResidencyPolicy):
        self._inventory = inventory
        self._policy = policy
        self._stack = ResourceIdentity.stack(inventory).urn
        self._by_rule: dict[str, dict[str, list[Finding]]] = {}
        # A resource's name is its address; read with several input sets, one address has a record per set.
        self._by_address: dict[str, list[str]] = defaultdict(list)
        self._by_base: dict[str, list[str]] = defaultdict(list)
        for resource in inventory.resources:
            self._by_address[resource.name].append(resource.urn)
            self._by_base[_without_indices(resource.name)].append(resource.urn)
        self._unseen = [r.urn for r in inventory.resources if _unseen_by_checkov(r)]

    def resource(self, rule: Rule, address: str) -> Verdict | None:
        """The verdict on the records with exactly this address (one per input set); None when the
        source has none. Where Checkov does not index the instances of a module with count or
        for_each, the verdict covers every instance."""
        urns = self._by_address.get(address) or self._by_base.get(address)
        if not urns:
            return None
        findings = self._findings(rule)
        return _verdict([f for urn in urns for f in findings.get(urn, [])])

    def stack(self, rule: Rule) -> Verdict:
        """Findings about the deployment as a whole, and about what Checkov shows no resource check
        for: modules that are not on disk, resources written in Terraform's JSON syntax."""
        findings = self._findings(rule)
        return _verdict([f for urn in (self._stack, *self._unseen) for f in findings.get(urn, [])])

    def _findings(self, rule: Rule) -> dict[str, list[Finding]]:
        if rule.meta.id not in self._by_rule:
            grouped: dict[str, list[Finding]] = defaultdict(list)
            for finding in evaluate(self._inventory, self._policy, rules=[rule]).findings:
                grouped[finding.resource.urn].append(finding)
            self._by_rule[rule.meta.id] = grouped
        return self._by_rule[rule.meta.id]


_SOURCES: dict[tuple[str, str, str | None, str | None], SourceVerdicts | InputError] = {}


def verdicts_for(path: Path, kind: str) -> SourceVerdicts:
    """`kind`: "plan" (a plan JSON file) or "hcl" (a root module directory). Read once per
    process; a source or policy that cannot be read raises InputError every time it is asked."""
    policy_file = os.environ.get(POLICY_ENVIRONMENT) or None
    key = (kind, str(path), policy_file, os.environ.get(INPUTS_ENVIRONMENT))
    if key not in _SOURCES:
        try:
            _SOURCES[key] = SourceVerdicts(_read(path, kind), _policy(policy_file, path))
        except InputError as error:
            _SOURCES[key] = error
    found = _SOURCES[key]
    if isinstance(found, InputError):
        raise found
    return found


def _policy(policy_file: str | None, source: Path) -> ResidencyPolicy:
    if policy_file:
        return load_policy(BUILTIN if policy_file == BUILTIN else Path(policy_file))
    found = find_policy(source)
    if found is None and os.environ.get("CI", "").lower() == "true":
        raise InputError(
            f"no policies/residency.yaml governs {source}: under CI the built-in policy is used only when "
            f"{POLICY_ENVIRONMENT}=builtin says so",
        )
    return load_policy(found or BUILTIN)


def _read(path: Path, kind: str) -> Inventory:
    if kind == "plan":
        from residency.sources.terraform_plan import load_plan

        return load_plan(path)
    from residency.sources.terraform_hcl import load_directory

    return load_directory(path, inputs_from_environment())


def inputs_to_environment(given: tuple[Assignment, ...]) -> str:
    return json.dumps([{"file": str(a.file.resolve())} if a.file is not None else {"var": a.text} for a in given])


def inputs_from_environment() -> tuple[Assignment, ...]:
    text = os.environ.get(INPUTS_ENVIRONMENT)
    if not text:
        return ()
    try:
        entries = json.loads(text)
        return tuple(Assignment(file=Path(e["file"])) if "file" in e else Assignment(text=str(e["var"])) for e in entries)
    except (ValueError, TypeError, KeyError):
        raise InputError("expected a JSON list of {\"file\": ...} and {\"var\": ...}", key=INPUTS_ENVIRONMENT) from None


def _verdict(findings: list[Finding]) -> Verdict:
    threshold = Level(os.environ.get(FAIL_ON_ENVIRONMENT) or Level.ADVISORY.value)
    open_findings = [f for f in findings if not f.waived]
    return Verdict(
        tuple(f for f in open_findings if f.fails(threshold)),
        tuple(f for f in findings if f.waived),
        tuple(f for f in open_findings if not f.fails(threshold)),
    )


def _unseen_by_checkov(resource: Resource) -> bool:
    return resource.terraform_type == UNREAD_MODULE_TYPE or (
        resource.location is not None and resource.location.file.endswith(".tf.json"))


def _without_indices(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)
