"""RES105 public-exposure: no public endpoint to protected data."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES105")
stack_check = ResidencyStackCheck("RES105")
