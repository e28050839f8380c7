"""RES108 access-origin: people reach protected data only from allowed network sources."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES108")
stack_check = ResidencyStackCheck("RES108")
