"""RES001 resource-region: resources stay in the allowed regions."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES001")
stack_check = ResidencyStackCheck("RES001")
