"""Runs the rules over an inventory under a policy: violations become findings with levels.

The judge is the one place where a rule's violation becomes a finding: the rule's level from the
policy (proven or unproven), and the waiver that covers it, active or expired. Every engine asks
it - `residency check`, the Pulumi policy pack, the Checkov checks and the report readers - so
that all of them give the same verdict."""

from __future__ import annotations

import dataclasses
import datetime
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from itertools import chain

from residency import forking
from residency.enforcement import Level
from residency.findings import AppliedWaiver, Finding, Report, ResourceIdentity, sort_findings
from residency.inputs import collector_paused
from residency.inventory import Inventory, Origin, Resource
from residency.policy import ResidencyPolicy, RuleSetting, Waiver
from residency.rules import RULES, Rule, RuleContext, RuleMeta, Violation
from residency.rules.base import Evidence


class Judge:
    """The policy's verdict on violations, as of `today`."""

    def __init__(self, policy: ResidencyPolicy, today: datetime.date | None = None):
        self.policy = policy
        self.today = today or datetime.date.today()
        self._settings: dict[str, RuleSetting] = {}  # each rule's, asked once per finding
        self._waivers: dict[str, tuple[Waiver, ...]] = {}  # each rule's, by rule id

    def level(self, rule: RuleMeta, *, proven: bool) -> Level:
        setting = self._settings.get(rule.id)
        if setting is None:
            setting = self._settings[rule.id] = self.policy.setting(rule.id, rule.default_level)
        return setting.level if proven else setting.unproven_level

    def waiver(self, rule: RuleMeta, resource: ResourceIdentity) -> AppliedWaiver | None:
        """The policy's waiver for a finding of `rule` about `resource`, by type and by URN, address or
        name: an active one where several match (a renewed waiver beside its expired predecessor)."""
        waivers = self._waivers_of(rule)
        if not waivers:
            return None  # most rules: no names to work out for each finding
        matching = [w for w in waivers if w.matches(rule.id, resource.types, resource.names)]
        if not matching:
            return None
        waiver = next((w for w in matching if not w.expired(self.today)), matching[0])
        return AppliedWaiver(waiver, not waiver.expired(self.today))

    def _waivers_of(self, rule: RuleMeta) -> tuple[Waiver, ...]:
        """The policy's waivers of `rule`, picked out once per rule rather than once per finding."""
        found = self._waivers.get(rule.id)
        if found is None:
            found = self._waivers[rule.id] = tuple(w for w in self.policy.waivers if w.rule == rule.id)
        return found

    def finding(
        self, rule: RuleMeta, violation: Violation, resource: ResourceIdentity, *, origins: tuple[Origin, ...] = ()
    ) -> Finding | None:
        """None when the policy disables the rule at this violation's level. `origins`: where the
        value at fault was written, when the engine knows more than the rule said."""
        level = self.level(rule, proven=violation.proven)
        if level is Level.DISABLED:
            return None
        return Finding(
            rule=rule,
            level=level,
            resource=resource,
            message=violation.message,
            evidence=violation.evidence,
            proven=violation.proven,
            path=violation.path,
            location=violation.resource.location if violation.resource is not None else None,
            waiver=self.waiver(rule, resource),
            origins=origins or violation.origins,
        )


def evaluate(
    inventory: Inventory,
    policy: ResidencyPolicy,
    *,
    rules: Iterable[Rule] = RULES,
    today: datetime.date | None = None,
    workers: int = 1,
) -> Report:
    """`workers`: how many processes may share the rules' work (this one and forks of it, where
    this process can fork: see `forking`); the findings are the same whatever it is."""
    judge = Judge(policy, today)
    # The rules build many small objects (classifications, findings) that live until the report is
    # made and form no cycles: a collection would walk them all again as they pile up, and find
    # nothing to free.
    with collector_paused():
        levels, findings = _judged(inventory, rules, judge, workers)
    return Report(inventory, policy, levels, findings, judge.today)


def workers_for(inventory: Inventory) -> int:
    """How many processes the rules' work on `inventory` is worth: one per core this process may
    use, but no more than one per SHARE resources (a fork, and the findings it sends back, cost
    more than a small share saves)."""
    return max(1, min(forking.usable_cores(), len(inventory.resources) // SHARE))


# The fewest resources a process of the rules' work is given (benchmarks/terraform_speed.py).
SHARE = 10_000


def _judged(inventory: Inventory, rules: Iterable[Rule], judge: Judge,
            workers: int) -> tuple[tuple[tuple[RuleMeta, Level], ...], tuple[Finding, ...]]:
    """Each rule's level, and the findings of every rule, sorted. What the rules built to get there
    (the context's answers) is freed on return, before the collector runs again.

    With several workers, the inventory is cut into stretches, which this process and its forks
    take one at a time, each judging every rule on the stretch it took (its answers about those
    resources are then at hand); this process also judges the stack as a whole, and judges any
    stretch a fork took but did not send back. Each rule's findings are put back in the
    inventory's order, as one process finds them, so the sorted findings are the same."""
    policy = judge.policy
    judging = _Judging(inventory, judge, RuleContext(policy, inventory, judge.today))  # approvals are judged on the same day as waivers
    resources = inventory.resources
    by_type = _by_type(resources)
    levels, work = [], []
    for rule in rules:
        if rule.meta.reads_deployed_state and inventory.deployed is None:
            continue  # nothing deployed to compare with
        setting = policy.setting(rule.meta.id, rule.meta.default_level)
        levels.append((rule.meta, setting.level))
        if setting.level is Level.DISABLED and setting.unproven_level is Level.DISABLED:
            continue
        work.append((rule, _reported_on(rule, len(resources), by_type)))
    workers = workers if forking.available() else 1
    stretches = _stretches(len(resources), workers)

    def judged(stretch: int) -> list[list[Finding]]:
        """Each rule's findings on the resources of a stretch."""
        start, end = stretches[stretch]
        found = []
        for rule, positions in work:
            if type(positions) is range:
                run = resources[max(start, positions.start):min(end, positions.stop)]
            else:
                run = [resources[p] for p in positions[bisect_left(positions, start):bisect_left(positions, end)]]
            found.append(judging.findings(rule, run))
        return found

    if workers == 1:
        parts = {stretch: judged(stretch) for stretch in range(len(stretches))}
        stack = [judging.findings(rule, (), stack=True) for rule, _ in work]
    else:
        shared = [*(rule.meta for rule, _ in work), *policy.waivers]
        with forking.claims(len(stretches)) as claimed, ExitStack() as forks:
            others = [forks.enter_context(forking.forked(lambda: ((s, judged(s)) for s in claimed), shared))
                      for _ in range(workers - 1)]
            parts = {stretch: judged(stretch) for stretch in claimed}
            stack = [judging.findings(rule, (), stack=True) for rule, _ in work]
            for fork in others:
                parts.update(fork.result(otherwise=list))
        for stretch in range(len(stretches)):
            if stretch not in parts:  # taken by a fork that failed
                parts[stretch] = judged(stretch)
    findings = [f for rule in range(len(work)) for part in [*(parts[s][rule] for s in range(len(stretches))), stack[rule]]
                for f in part]
    return tuple(levels), sort_findings(findings)


def _stretches(count: int, workers: int) -> list[tuple[int, int]]:
    """The inventory's positions cut into stretches: one for one worker; for several, STRETCHES
    per worker, so that a worker slower than the others (a fork's first writes to each page are
    copies, and it pickles what it found) takes fewer, and none waits long for the last."""
    pieces = 1 if workers == 1 else min(workers * STRETCHES, forking.CLAIMS_MAX, max(count, 1))
    return [(count * k // pieces, count * (k + 1) // pieces) for k in range(pieces)]


STRETCHES = 24


class _Judging:
    """Violations -> findings, for one evaluation: each resource's identity made once."""

    def __init__(self, inventory: Inventory, judge: Judge, context: RuleContext):
        self._inventory = inventory
        self._judge = judge
        self._context = context
        self._stack = ResourceIdentity.stack(inventory)
        self._identities: dict[str, ResourceIdentity] = {}  # one per resource with findings

    def findings(self, rule: Rule, resources: Iterable[Resource], *, stack: bool = False) -> list[Finding]:
        """The findings of `rule` on `resources`, or (`stack`) on the stack as a whole."""
        context, inventory = self._context, self._inventory
        violations = rule.check_stack(context) if stack else (v for r in resources for v in rule.check(r, context))
        findings = []
        for violation in violations:
            if violation.resource is None:
                identity = self._stack
            else:
                identity = self._identities.get(violation.resource.urn)
                if identity is None:
                    identity = self._identities[violation.resource.urn] = ResourceIdentity.of(violation.resource, inventory)
            origins = violation.origins
            if not origins:
                origins = _value_origins(violation, inventory)
                if origins:
                    violation = _with_variable_evidence(violation, origins)
            finding = self._judge.finding(rule.meta, violation, identity, origins=origins)
            if finding is not None:
                findings.append(finding)
        return findings


def _by_type(resources: list[Resource]) -> dict[str, list[int]]:
    """The positions of each type's resources in the inventory."""
    by_type: dict[str, list[int]] = {}
    for position, resource in enumerate(resources):
        by_type.setdefault(resource.token, []).append(position)
    return by_type


def _reported_on(rule: Rule, count: int, by_type: dict[str, list[int]]) -> Sequence[int]:
    """The positions of the resources `rule` may report on, in the inventory's order: a rule that
    reads a few types (IAM policies, dynamic groups) is not asked about each of 100,000 buckets, nor
    are they walked to find its few. Every position, as a range, where it reads every type."""
    wanted = [positions for token, positions in by_type.items() if rule.reports_on_type(token)]
    if len(wanted) == len(by_type):
        return range(count)
    if len(wanted) == 1:
        return wanted[0]
    return sorted(chain.from_iterable(wanted))


def _value_origins(violation: Violation, inventory: Inventory) -> tuple[Origin, ...]:
    """Where the value at fault was written, when the rule did not say: the variables the source
    recorded behind the property (Terraform), else the stack-config keys that hold the text of the
    property the finding is about (a destination region, a key's OCID)."""
    if violation.resource is None or not violation.path:
        return ()
    if not violation.resource.property_origins and inventory.value_origins is None:
        return ()  # the source recorded no origins: nothing to look up
    written = _written_origins(violation.resource.property_origins, violation.path)
    if written or inventory.value_origins is None:
        return written
    value = violation.resource.first(violation.path)
    if value is None or not value.known or not isinstance(value.value, str) or not value.value:
        return ()
    return inventory.value_origins(value.value)


def _written_origins(origins: Mapping[str, tuple[Origin, ...]], path: str) -> tuple[Origin, ...]:
    """The variables behind the value at `path` (a Terraform attribute, or a field of a block),
    recorded by the source under the path without indices: the nearest recorded one."""
    bare = re.sub(r"\[[^\]]*\]", "", path)
    while bare:
        if bare in origins:
            return origins[bare]
        bare = bare.rpartition(".")[0]
    return ()


def _with_variable_evidence(violation: Violation, origins: tuple[Origin, ...]) -> Violation:
    """A value taken from a variable says so in the evidence: the variable, where its value was set."""
    said = tuple(
        Evidence(o.name, o.how, " ".join(part for part in (
            f"{o.file}:{o.line}" if o.file and o.line else o.file, f"({o.value})" if o.value else None) if part))
        for o in origins if o.kind == "variable" and o.how
    )
    return dataclasses.replace(violation, evidence=violation.evidence + said) if said else violation
