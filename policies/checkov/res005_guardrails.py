"""RES005 guardrails: protected compartments have their guardrails."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES005")
stack_check = ResidencyStackCheck("RES005")
