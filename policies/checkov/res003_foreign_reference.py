"""RES003 foreign-reference: no references to resources in other regions."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES003")
stack_check = ResidencyStackCheck("RES003")
