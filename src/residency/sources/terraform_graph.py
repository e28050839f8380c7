"""Terraform resources (from a plan or from HCL files) -> inventory.

Terraform ties every resource to one provider configuration: its module's unaliased `oci` block,
the alias its `provider` argument names, or a configuration a module call passes down. That
configuration's `region` is the resource's region. Both Terraform sources find the link and the
region value; this module turns them into the inventory's resolutions, with the same wording
and the same fail-closed reading as the Pulumi sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from residency.catalog import CATALOG
from residency.inventory import (
    UNKNOWN,
    Inventory,
    Origin,
    RegionResolution,
    RegionSource,
    Resource,
    SourceInfo,
    SourceLocation,
)
from residency.sources.pulumi_graph import AMBIENT, region_resolution

OCI_TYPE_PREFIX = "oci_"


@dataclass(frozen=True)
class ProviderConfig:
    key: str  # as a plan names it: "oci", "oci.west", "module.network:oci"
    region: Any = None  # as written; None when the configuration sets none, UNKNOWN when it cannot be known
    unknown_because: str | None = None  # for an UNKNOWN region: why ("var.region has no value")
    auth: Any = None  # the `auth` method, as written
    origins: tuple[Origin, ...] = ()  # where it is written: the provider block (file, line)


@dataclass
class TerraformRecord:
    """One managed resource as a Terraform source reads it."""

    address: str  # absolute: module.network.oci_core_vcn.main[0]
    type: str
    values: Mapping[str, Any]  # decoded: UNKNOWN and Secret marked
    provider: str | None  # the key of its provider configuration; None when the source does not say
    inherited: bool = False  # the configuration is passed down by a calling module
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # attribute -> absolute addresses
    location: SourceLocation | None = None


def build_inventory(records: Iterable[TerraformRecord], providers: Mapping[str, ProviderConfig], source: SourceInfo) -> Inventory:
    records = list(records)
    instances = _Instances(r.address for r in records)
    resources = []
    for record in records:
        dependencies = {attribute: instances.of(refs) for attribute, refs in record.references.items()}
        dependencies = {attribute: found for attribute, found in dependencies.items() if found}
        resources.append(
            Resource(
                urn=record.address,
                name=record.address,
                token=CATALOG.token(record.type) or "",
                terraform_type=record.type,
                custom=True,
                properties=record.values,
                naming="terraform",
                region=_with_origins(_region(record, providers), providers.get(record.provider or "")),
                provider=record.provider,
                dependencies=tuple(sorted({a for found in dependencies.values() for a in found})),
                property_dependencies=dependencies,
                location=record.location,
            )
        )
    return Inventory(source=source, resources=resources)


class _Instances:
    """Resource addresses; a reference without an index means every instance (count, for_each)."""

    def __init__(self, addresses: Iterable[str]):
        self._addresses = set(addresses)

    def of(self, references: Iterable[str]) -> tuple[str, ...]:
        found: set[str] = set()
        for reference in references:
            if reference in self._addresses:
                found.add(reference)
            else:
                found.update(a for a in self._addresses if a.startswith(reference + "["))
        return tuple(sorted(found))


def _with_origins(resolution: RegionResolution | None, config: ProviderConfig | None) -> RegionResolution | None:
    if resolution is None or config is None or not config.origins:
        return resolution
    written = None if resolution.secret else resolution.written
    return replace(resolution, origins=tuple(replace(o, value=o.value or written) for o in config.origins))


def _region(record: TerraformRecord, providers: Mapping[str, ProviderConfig]) -> RegionResolution | None:
    if not record.type.startswith(OCI_TYPE_PREFIX):
        return None
    if record.provider is None:
        return RegionResolution(
            RegionSource.UNRESOLVED, reason="the source does not say which provider configuration creates it"
        )
    config = providers.get(record.provider)
    if config is None:
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=record.provider,
            reason=f"no provider block configures {record.provider}, so {AMBIENT}",
        )
    what = f"the region of provider {config.key}"
    if config.region is UNKNOWN and config.unknown_because:
        return RegionResolution(RegionSource.UNRESOLVED, provider=config.key, reason=f"{what} cannot be known: {config.unknown_because}")
    return region_resolution(
        config.region,
        RegionSource.PARENT_PROVIDER if record.inherited else RegionSource.EXPLICIT_PROVIDER,
        config.key,
        missing=f"provider {config.key} sets no region, so {AMBIENT}",
        what=what,
        auth=config.auth,
    )
