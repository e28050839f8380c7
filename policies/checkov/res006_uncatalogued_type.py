"""RES006 uncatalogued-type: resource types the catalogue does not know are named."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES006")
stack_check = ResidencyStackCheck("RES006")
