"""Every residency rule as Checkov checks, two per rule with the id CKV_RES_<number>: a resource
check on every `oci_*` resource and a provider check on `oci`. The rules come from the engine's
rule package, so a new rule module is a new pair of checks with no edit here."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck
from residency.rules import RULES

# Constructing a check registers it with Checkov's registries.
resource_checks = [ResidencyResourceCheck(rule.meta.id) for rule in RULES]
stack_checks = [ResidencyStackCheck(rule.meta.id) for rule in RULES]
