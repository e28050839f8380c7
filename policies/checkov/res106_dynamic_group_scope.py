"""RES106 dynamic-group-scope: dynamic groups for protected data admit only protected resources."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES106")
stack_check = ResidencyStackCheck("RES106")
