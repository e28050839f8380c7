"""Exports: the offline inventory in formats other tools read (a Terraform plan, for Checkov)."""
