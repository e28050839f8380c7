"""The resource catalogue: pulumi token <-> Terraform type, and what each type means for residency."""

from residency.catalog.catalog import CATALOG, Catalog, ExternalKeyField, MoverSources, MovementField, ResourceKind, short_type

__all__ = ["CATALOG", "Catalog", "ExternalKeyField", "MoverSources", "MovementField", "ResourceKind", "short_type"]
