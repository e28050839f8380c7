"""RES002 cross-region-movement: copies, replicas, backups and routes go only to allowed regions."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck

check = ResidencyResourceCheck("RES002")
stack_check = ResidencyStackCheck("RES002")
