"""Pulumi tokens of the OCI resource types the rules and reports name directly."""

COMPARTMENT = "oci:Identity/compartment:Compartment"
POLICY = "oci:Identity/policy:Policy"
QUOTA = "oci:Limits/quota:Quota"
SECURITY_ZONE = "oci:CloudGuard/securityZone:SecurityZone"
