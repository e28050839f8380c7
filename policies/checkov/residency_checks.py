"""Every residency rule as Checkov checks, two per rule with the id CKV_RES_<number>: a resource
check on the types the rule judges and a provider check on `oci`. The rules come from the engine's
rule package, so a new rule module is a new pair of checks with no edit here."""

from residency.checkov.checks import ResidencyResourceCheck, ResidencyStackCheck
from residency.rules import RULES

# Checkov scans code, never a deployed state, so rules that compare the two have no check here.
CHECKED = [rule for rule in RULES if not rule.meta.reads_deployed_state]
# Constructing a check registers it with Checkov's registries.
resource_checks = [ResidencyResourceCheck(rule.meta.id) for rule in CHECKED]
stack_checks = [ResidencyStackCheck(rule.meta.id) for rule in CHECKED]
