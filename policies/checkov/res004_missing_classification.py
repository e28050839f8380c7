"""RES004 missing-classification: data-bearing resources are classified."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES004")
stack_check = ResidencyStackCheck("RES004")
