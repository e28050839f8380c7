"""The resource catalogue: pulumi token <-> Terraform type, and what each type means for residency."""

from residency.catalog.catalog import CATALOG, Catalog, MovementField, ResourceKind, short_type, terraform_identifier

__all__ = ["CATALOG", "Catalog", "MovementField", "ResourceKind", "short_type", "terraform_identifier"]
