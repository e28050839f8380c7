"""RES102 cross-tenancy-grant: no cross-tenancy access to protected data."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES102")
stack_check = ResidencyStackCheck("RES102")
