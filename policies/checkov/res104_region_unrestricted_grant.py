"""RES104 region-unrestricted-grant: grants on protected compartments are limited to allowed regions."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES104")
stack_check = ResidencyStackCheck("RES104")
