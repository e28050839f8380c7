"""How strictly a finding is enforced (level, set by the policy) and how much it matters
(severity, set by the rule)."""

from __future__ import annotations

import enum


class Level(str, enum.Enum):
    MANDATORY = "mandatory"  # fails the gate
    ADVISORY = "advisory"  # reported, does not fail unless asked to
    DISABLED = "disabled"  # not evaluated

    def fails(self, fail_on: Level) -> bool:
        """Whether a finding at this level fails a gate that fails on `fail_on` and above."""
        order = {Level.DISABLED: 0, Level.ADVISORY: 1, Level.MANDATORY: 2}
        return self is not Level.DISABLED and order[self] >= order[fail_on]


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL].index(self)
