"""RES101 any-principal-grant: no grants to any-user or any-group on protected data."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES101")
stack_check = ResidencyStackCheck("RES101")
