"""Where the project and each rule are documented: the links reports, SARIF and Checkov give."""

from __future__ import annotations

# The repository's home page; its README documents every rule (an anchor per rule id).
PROJECT_URL = "https://github.com/residency-gate/residency"
RULES_URL = f"{PROJECT_URL}/blob/main/README.md"


def rule_url(rule_id: str) -> str:
    """The rule's row in the README's rule table (`<a id="res001">`)."""
    return f"{RULES_URL}#{rule_id.lower()}"


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


TERRAFORM_SOURCES = ("terraform-hcl", "terraform-plan", "checkov")


def remediation(rule_id: str, default: str, source_kind: str = "terraform-hcl") -> str:
    """A rule's remediation in the words of what was checked: Terraform's for Terraform sources
    and Checkov, the rule's own (written for Pulumi programs) otherwise."""
    return TERRAFORM_REMEDIATION.get(rule_id, default) if source_kind in TERRAFORM_SOURCES else default
