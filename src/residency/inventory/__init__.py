"""Normalized resources, whatever their source, and the values they hold."""

from residency.inventory.model import (
    DataSource,
    Inventory,
    Origin,
    RegionResolution,
    RegionSource,
    Resource,
    SourceInfo,
    SourceLocation,
)
from residency.inventory.values import UNKNOWN, FieldValue, Secret, Template, as_declared, declared_field

__all__ = [
    "UNKNOWN",
    "DataSource",
    "FieldValue",
    "Inventory",
    "Origin",
    "RegionResolution",
    "RegionSource",
    "Resource",
    "Secret",
    "SourceInfo",
    "SourceLocation",
    "Template",
    "as_declared",
    "declared_field",
]
