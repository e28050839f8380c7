"""Baselines: this run's findings against an earlier findings document. Each finding is new or
unchanged (same rule, resource and property: the fingerprint), or updated (same fingerprint,
another message or level); earlier findings this run no longer has are absent (fixed). The exit
decision never depends on it: a residency gate fails on any failing finding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NEW, UNCHANGED, UPDATED, ABSENT = "new", "unchanged", "updated", "absent"
_COMPARED = ("message", "level", "severity", "proven")


def apply_baseline(document: Mapping[str, Any], earlier: Mapping[str, Any], *, file: str) -> dict[str, Any]:
    """`document` with each finding's `baseline` state and the earlier findings now absent."""
    before = {f["fingerprint"]: f for f in earlier["findings"]}
    findings = []
    for finding in document["findings"]:
        previous = before.get(finding["fingerprint"])
        if previous is None:
            state = NEW
        elif all(previous.get(key) == finding.get(key) for key in _COMPARED):
            state = UNCHANGED
        else:
            state = UPDATED
        findings.append({**finding, "baseline": state})
    now = {f["fingerprint"] for f in document["findings"]}
    absent = [f for fingerprint, f in before.items() if fingerprint not in now]
    return {**document, "findings": findings, "baseline": {"file": file, "absent": absent}}


def baseline_state(finding: Mapping[str, Any]) -> str | None:
    return finding.get("baseline")


def baseline_counts(document: Mapping[str, Any]) -> dict[str, int] | None:
    """How many findings are new, unchanged, updated and absent; None without a baseline."""
    if "baseline" not in document:
        return None
    counts = {NEW: 0, UNCHANGED: 0, UPDATED: 0}
    for finding in document["findings"]:
        counts[finding["baseline"]] += 1
    return {**counts, ABSENT: len(document["baseline"]["absent"])}
