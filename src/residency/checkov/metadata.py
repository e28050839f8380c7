"""What Checkov shows of each residency check, following Checkov's conventions: a guideline that
is a URL (the rule's documentation), a severity (so `--hard-fail-on` and `--soft-fail-on` work),
categories that fit, the Terraform types each rule can judge (so a check runs only where it can
have something to say) and remediation worded for Terraform, which is what Checkov reads.

The types are a superset of what each rule reads: a check that does not run on a type can never
fail it, so a type is left out only when the rule never reports a finding about it."""

from __future__ import annotations

from residency import documentation
from residency.catalog import CATALOG
from residency.catalog.exposure import exposure_catalog
from residency.enforcement import Severity

EVERY_OCI_TYPE = ("oci_*",)
# Every type that is not OCI's: Checkov matches types with fnmatch, which has no negation, and these
# four patterns are exactly the names that do not start with `oci_`.
EVERY_OTHER_TYPE = ("[!o]*", "o[!c]*", "oc[!i]*", "oci[!_]*")

# Checkov's CheckCategories and severities by name: this module is read without Checkov installed.
CATEGORIES = {
    "RES001": ("GENERAL_SECURITY",),
    "RES002": ("GENERAL_SECURITY", "BACKUP_AND_RECOVERY"),
    "RES003": ("ENCRYPTION", "GENERAL_SECURITY"),
    "RES004": ("CONVENTION", "GENERAL_SECURITY"),
    "RES005": ("IAM", "GENERAL_SECURITY"),
    "RES007": ("GENERAL_SECURITY",),
    "RES101": ("IAM",),
    "RES102": ("IAM",),
    "RES103": ("IAM",),
    "RES104": ("IAM",),
    "RES105": ("NETWORKING",),
    "RES106": ("IAM",),
    "RES107": ("IAM",),
    "RES108": ("IAM", "NETWORKING"),
    "RES109": ("IAM",),
}


def _terraform(tokens) -> tuple[str, ...]:
    return tuple(sorted({t for t in map(CATALOG.terraform_type, tokens) if t}))


def check_types(rule_id: str) -> tuple[str, ...]:
    """What a rule's resource check runs on: its OCI types, and for RES002 every other provider's
    type too (a resource of another provider that takes protected data may move it anywhere)."""
    return supported_resources(rule_id) + (EVERY_OTHER_TYPE if rule_id == "RES002" else ())


def supported_resources(rule_id: str) -> tuple[str, ...]:
    """The OCI Terraform types a rule's resource check runs on."""
    # the rules' own constants, read when a check is built: the rule package imports the policy
    # package, which imports the rules, so importing rule modules first would be circular
    from residency.catalog.tokens import QUOTA
    from residency.rules.access import POLICY
    from residency.rules.context import COMPARTMENT
    from residency.rules.dynamic_group_scope import DYNAMIC_GROUPS

    tokens = {
        "RES002": CATALOG.movement_tokens,
        "RES004": CATALOG.data_bearing,
        "RES005": (COMPARTMENT, QUOTA),  # compartments lacking guardrails; quota statements that cannot cover
        "RES101": (POLICY,),
        "RES102": (POLICY,),
        "RES103": (POLICY,),
        "RES104": (POLICY,),
        "RES105": tuple(exposure_catalog().types),
        "RES106": DYNAMIC_GROUPS,
    }.get(rule_id)
    return EVERY_OCI_TYPE if tokens is None else _terraform(tokens)


def remediation(rule_id: str, default: str) -> str:
    return documentation.remediation(rule_id, default, "checkov")


def guideline(rule_id: str) -> str:
    return documentation.rule_url(rule_id)


def severity(level: Severity) -> str:
    """Checkov's severity name (its BcSeverities) for a rule's severity."""
    return level.value.upper()
