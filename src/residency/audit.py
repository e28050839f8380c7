"""A fleet audit: every stack's deployed state checked against one policy, in parallel, and the
answers put together: one row per stack, and one findings document for the whole fleet.

Each state is read and evaluated in a worker process (the rules are pure Python, so processes,
not threads, use the machine's cores); a worker sends back the stack's findings document, and only
those are kept, so memory follows the findings, not the resources.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residency import __version__
from residency.enforcement import Level
from residency.errors import InputError
from residency.findings import DOCUMENT_VERSION, fingerprint
from residency.policy import ResidencyPolicy
from residency.render.document import fails, is_waived

STATE_SUFFIXES = (".json", ".jsonl", ".tfstate")


@dataclass(frozen=True)
class StackResult:
    """One state's outcome: its findings document, or the input error that stopped it."""

    path: str
    document: Mapping[str, Any] | None = None
    error: str | None = None

    @property
    def stack(self) -> str:
        source = (self.document or {}).get("source") or {}
        return source.get("stack") or Path(self.path).stem

    @property
    def resources(self) -> int:
        return self.document["summary"]["resources"] if self.document else 0

    @property
    def failing(self) -> list[Mapping[str, Any]]:
        if not self.document:
            return []
        fail_on = self.document["summary"]["fail_on"]
        return [f for f in self.document["findings"] if fails(f, fail_on)]

    @property
    def failing_by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f["rule_id"] for f in self.failing).items()))

    @property
    def worst_region(self) -> str | None:
        """The region outside the boundary where most failing findings are; `unresolved` when
        only regions that cannot be proven fail; None when nothing fails."""
        allowed = set(self.document["policy"]["allowed_regions"]) if self.document else set()
        regions = Counter(f["resource"]["region"] for f in self.failing)
        outside = [(count, region) for region, count in regions.items() if region and region not in allowed
                   and region != "unresolved"]
        if outside:
            return max(outside)[1]
        return "unresolved" if any(r in (None, "unresolved") for r in regions) and self.failing else None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failing


@dataclass
class FleetAudit:
    results: list[StackResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.document is not None and not r.passed for r in self.results)

    @property
    def errors(self) -> list[StackResult]:
        return [r for r in self.results if r.error is not None]


def state_files(paths: Iterable[Path]) -> list[Path]:
    """The state files PATHs name: files as given, directories searched for `*.json`, `*.jsonl`
    and `*.tfstate` (hidden ones left out)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in STATE_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
            )
        elif path.exists():
            found.append(path)  # a file, or something that is not one, which its reading refuses and names
        else:
            raise InputError("not found: expected a state file or a folder of them", file=str(path))
    return list(dict.fromkeys(found))


def run_audit(
    files: list[Path], policy_file: Path | str | None, fail_on: Level, *, file_format: str | None = None,
    jobs: int | None = None, on_result: Callable[[StackResult], None] | None = None,
) -> FleetAudit:
    """Audit every file, `jobs` at a time (default: one per core); results keep the files' order.
    `policy_file` is what each worker loads: a file, `builtin`, or None to discover one from here."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files) or 1))
    by_path: dict[str, StackResult] = {}
    for result in _results(files, policy_file, fail_on, file_format, jobs):
        by_path[result.path] = result
        if on_result is not None:
            on_result(result)
    return FleetAudit([by_path[str(f)] for f in files])


def _results(files, policy_file, fail_on, file_format, jobs) -> Iterator[StackResult]:
    if jobs == 1:
        _start_worker(policy_file)
        for path in files:
            yield audit_state(str(path), fail_on.value, file_format)
        return
    # Workers start fresh rather than forked from this process: its progress bar runs a thread,
    # and a fork would copy whatever lock that thread holds.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(policy_file,)) as pool:
        futures = [pool.submit(audit_state, str(path), fail_on.value, file_format) for path in files]
        for future in as_completed(futures):
            yield future.result()


_WORKER_POLICY: list[ResidencyPolicy] = []  # the policy a worker process checks with, read once when it starts


def _start_worker(policy_file: Path | str | None) -> None:
    from residency.policy import load_policy

    _WORKER_POLICY[:] = [load_policy(policy_file)]


def audit_state(path: str, fail_on: str, file_format: str | None) -> StackResult:
    """One state, in a worker: read, evaluated, as its findings document."""
    from residency.engine import evaluate
    from residency.sources.files import load_file

    try:
        inventory = load_file(Path(path), file_format)
    except InputError as error:
        return StackResult(path, error=str(error))
    return StackResult(path, evaluate(inventory, _WORKER_POLICY[0]).to_document(Level(fail_on)))


def combined_document(
    audit: FleetAudit, policy_document: Mapping[str, Any], fail_on: Level, *, audited: str,
) -> dict[str, Any]:
    """One findings document for the fleet (`audited`: the paths given, as a reader knows them). A
    Terraform address names a resource only within its state, so it is qualified with the state
    file; findings from a state point at that file."""
    documents = [r for r in audit.results if r.document is not None]
    findings, rules, by_type = [], {}, Counter()
    for result in documents:
        document = result.document
        for rule in document["rules"]:
            rules.setdefault(rule["id"], rule)
        by_type.update(document["summary"].get("resources_by_type", {}))
        for finding in document["findings"]:
            findings.append(_in_fleet(finding, result.path))
    open_findings = [f for f in findings if not is_waived(f)]
    failing = [f for f in findings if fails(f, fail_on.value)]
    notes = [f"{len(documents)} stacks audited" + (f"; {len(audit.errors)} could not be read" if audit.errors else "")]
    notes += [r.error for r in audit.errors]
    return {
        "version": DOCUMENT_VERSION,
        "tool": {"name": "residency", "version": __version__},
        "source": {"kind": "fleet-audit", "path": audited, "project": None,
                   "stack": None, "notes": notes},
        "policy": dict(policy_document),
        "rules": sorted(rules.values(), key=lambda r: r["id"]),
        "summary": {
            "resources": sum(r.resources for r in documents),
            "resources_by_type": dict(sorted(by_type.items())),
            "findings": len(findings),
            "by_level": {level: sum(f["level"] == level for f in open_findings) for level in ("mandatory", "advisory")},
            "by_severity": dict(sorted(Counter(f["severity"] for f in open_findings).items())),
            "waived": len(findings) - len(open_findings),
            "unproven": sum(not f["proven"] for f in findings),
            "fail_on": fail_on.value,
            "failing": len(failing),
            "passed": not failing and not audit.errors,
        },
        "findings": findings,
    }


def _in_fleet(finding: Mapping[str, Any], path: str) -> dict[str, Any]:
    finding = dict(finding)
    urn = finding["resource"]["urn"]
    if not urn.startswith("urn:pulumi:"):
        finding["resource"] = {**finding["resource"], "urn": f"{path}::{urn}"}
        finding["fingerprint"] = fingerprint(finding["rule_id"], finding["resource"]["urn"], finding["path"])
    if finding["location"] is None:
        finding["location"] = {"file": path, "line": None}
    return finding

