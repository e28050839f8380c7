"""What Checkov shows of each residency check, following Checkov's conventions: a guideline that
is a URL (the rule's documentation), a severity (so `--hard-fail-on` and `--soft-fail-on` work),
categories that fit, the Terraform types each rule can judge (so a check runs only where it can
have something to say) and remediation worded for Terraform, which is what Checkov reads.

The types are a superset of what each rule reads: a check that does not run on a type can never
fail it, so a type is left out only when the rule never reports a finding about it."""

from __future__ import annotations

from residency.catalog import CATALOG
from residency.documentation import rule_url
from residency.enforcement import Severity
from residency.rules.access import POLICY
from residency.rules.context import COMPARTMENT
from residency.rules.dynamic_group_scope import DYNAMIC_GROUPS
from residency.rules.exposure import EXPOSURE_TOKENS

EVERY_OCI_TYPE = ("oci_*",)

# Checkov's CheckCategories and severities by name: this module is read without Checkov installed.
CATEGORIES = {
    "RES001": ("GENERAL_SECURITY",),
    "RES002": ("GENERAL_SECURITY", "BACKUP_AND_RECOVERY"),
    "RES003": ("ENCRYPTION", "GENERAL_SECURITY"),
    "RES004": ("CONVENTION", "GENERAL_SECURITY"),
    "RES005": ("IAM", "GENERAL_SECURITY"),
    "RES101": ("IAM",),
    "RES102": ("IAM",),
    "RES103": ("IAM",),
    "RES104": ("IAM",),
    "RES105": ("NETWORKING",),
    "RES106": ("IAM",),
}


def _terraform(tokens) -> tuple[str, ...]:
    return tuple(sorted({t for t in map(CATALOG.terraform_type, tokens) if t}))


def supported_resources(rule_id: str) -> tuple[str, ...]:
    """The Terraform types a rule's resource check runs on."""
    tokens = {
        "RES002": CATALOG.movement_tokens,
        "RES004": CATALOG.data_bearing,
        "RES005": (COMPARTMENT,),
        "RES101": (POLICY,),
        "RES102": (POLICY,),
        "RES103": (POLICY,),
        "RES104": (POLICY,),
        "RES105": EXPOSURE_TOKENS,
        "RES106": DYNAMIC_GROUPS,
    }.get(rule_id)
    return EVERY_OCI_TYPE if tokens is None else _terraform(tokens)


# Remediation in Terraform's words, where the rule's own (written for Pulumi programs) names
# Pulumi constructs.
TERRAFORM_REMEDIATION = {
    "RES001": (
        'Create the resource through a provider block whose `region` is one of the allowed regions (`provider "oci" '
        '{ alias = "ashburn", region = "us-ashburn-1" }` and `provider = oci.ashburn`); create identity resources '
        "through the home-region provider. Give `region` a literal or a variable with a value in the configuration "
        "or terraform.tfvars, never the environment (OCI_REGION, TF_VAR_*, ~/.oci/config, instance metadata)."
    ),
    "RES002": (
        "Point the destination at an allowed region (for example the allowed DR region), or remove the cross-region "
        "copy. Write the destination as a literal or a variable with a value, so that it can be checked before apply."
    ),
    "RES004": (
        'Add the classification defined tag (`defined_tags = { "<namespace>.<key>" = "<level>" }`) with one of the '
        "policy's levels, or create the resource in a protected compartment."
    ),
    "RES005": (
        "Create, for each protected compartment, `oci_limits_quota` statements `zero <family> quotas in compartment "
        "<name> where request.region = <region>` for every family of `guardrails.quota_families` and every region "
        "of the home realm that is not allowed, and an `oci_cloud_guard_security_zone` on the compartment."
    ),
}


def remediation(rule_id: str, default: str) -> str:
    return TERRAFORM_REMEDIATION.get(rule_id, default)


def guideline(rule_id: str) -> str:
    return rule_url(rule_id)


def severity(level: Severity) -> str:
    """Checkov's severity name (its BcSeverities) for a rule's severity."""
    return level.value.upper()
