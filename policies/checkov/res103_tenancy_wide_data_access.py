"""RES103 tenancy-wide-data-access: tenancy-wide use or manage of data only for admin groups."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES103")
stack_check = ResidencyStackCheck("RES103")
