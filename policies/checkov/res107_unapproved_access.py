"""RES107 unapproved-access: grants of more than inspect on protected data have a valid, unexpired approval on record."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES107")
stack_check = ResidencyStackCheck("RES107")
