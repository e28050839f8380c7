"""RES109 stale-approval: every approval on record matches a statement the program grants."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES109")
stack_check = ResidencyStackCheck("RES109")
