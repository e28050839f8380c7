"""Terraform resources (from a plan or from HCL files) -> inventory.

Terraform ties every resource to one provider configuration: its module's unaliased `oci` block,
the alias its `provider` argument names, or a configuration a module call passes down. That
configuration's `region` is the resource's region. Both Terraform sources find the link and the
region value; this module turns them into the inventory's resolutions, with the same wording
and the same fail-closed reading as the Pulumi sources.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from residency.catalog import CATALOG
from residency.inventory import (
    UNKNOWN,
    DataSource,
    Inventory,
    Origin,
    RegionResolution,
    RegionSource,
    Resource,
    SourceInfo,
    SourceLocation,
)
from residency.inventory.model import INSTANCE_INDEX
from residency.sources.pulumi_graph import AMBIENT, region_resolution

OCI_TYPE_PREFIX = "oci_"
# An input that is no resource of the configuration: a variable without a value, a data source.
INPUT = re.compile(r"^(?:module\.[^.]+\.)*(?:var|data)\.")


@dataclass(frozen=True)
class ProviderConfig:
    key: str  # as a plan names it: "oci", "oci.west", "module.network:oci"
    region: Any = None  # as written; None when the configuration sets none, UNKNOWN when it cannot be known
    unknown_because: str | None = None  # for an UNKNOWN region: why ("var.region has no value")
    auth: Any = None  # the `auth` method, as written; UNKNOWN when it cannot be known
    auth_unknown_because: str | None = None
    origin: str | None = None  # where a region from a variable was written ("var.region, default at main.tf:3")
    origins: tuple[Origin, ...] = ()  # where it is written: the provider block, a variable's value (file, line)


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
    unread_because: str | None = None  # a module call whose resources cannot be read: why
    origins: Mapping[str, tuple[Origin, ...]] = field(default_factory=dict)  # attribute -> the variables behind it
    token: str | None = None  # the Pulumi type of a resource `residency export` wrote (PULUMI_TYPE)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Reading builds millions of small objects and frees none of them until the end; with the
    cyclic collector running, each collection walks them all again and reading a large plan
    grows quadratic (benchmarks/terraform_speed.py). Pause it while a source is read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_inventory(records: Iterable[TerraformRecord], providers: Mapping[str, ProviderConfig], source: SourceInfo,
                    variant: str | None = None, data_sources: Iterable[TerraformRecord] = ()) -> Inventory:
    """`variant`: the input set the records were read with, when several are checked; it makes
    each URN unique (`prod.tfvars::oci_core_vcn.main`), the name stays the address. `data_sources`:
    the configuration's data blocks (address, type, provider), whose region is found as a resource's."""
    records = list(records)
    instances = _Instances(r.address for r in records)
    urn = (lambda address: f"{variant}::{address}") if variant else (lambda address: address)
    resources = []
    regions: dict[tuple, RegionResolution | None] = {}  # one (immutable) resolution per provider link, shared
    for record in records:
        dependencies = {attribute: instances.of(refs) for attribute, refs in record.references.items()}
        dependencies = {attribute: tuple(urn(a) for a in found) for attribute, found in dependencies.items() if found}
        link = (record.provider, record.inherited, record.type.startswith(OCI_TYPE_PREFIX), record.unread_because)
        if link not in regions:
            regions[link] = _with_origins(_region(record, providers), providers.get(record.provider or ""))
        resources.append(
            Resource(
                urn=urn(record.address),
                name=record.address,
                token=CATALOG.token(record.type) or _exported_token(record),
                terraform_type=record.type,
                custom=True,
                properties=record.values,
                naming="terraform",
                region=regions[link],
                provider=record.provider,
                dependencies=tuple(sorted({a for found in dependencies.values() for a in found})),
                property_dependencies=dependencies,
                location=record.location,
                property_origins=record.origins,
            )
        )
    return Inventory(source=source, resources=resources, data_sources=_data_sources(data_sources, providers, urn))


def _data_sources(records: Iterable[TerraformRecord], providers: Mapping[str, ProviderConfig],
                  urn: Callable[[str], str]) -> dict[str, DataSource]:
    """By address without instance indices: every instance of a data block (and of the module that
    holds it) uses one provider configuration."""
    found = {}
    for record in records:
        address = urn(INSTANCE_INDEX.sub("", record.address))
        region = _with_origins(_region(record, providers), providers.get(record.provider or ""))
        found[address] = DataSource(address, record.type, region, record.provider, record.location)
    return found


def merge_inventories(inventories: Iterable[Inventory], source: SourceInfo) -> Inventory:
    """One inventory of several input sets' readings (their URNs already distinct)."""
    inventories = list(inventories)
    notes = [*source.notes, *dict.fromkeys(n for i in inventories for n in i.source.notes)]
    return Inventory(source=replace(source, notes=tuple(notes)), resources=[r for i in inventories for r in i.resources],
                     data_sources={a: d for i in inventories for a, d in i.data_sources.items()})


class _Instances:
    """Resource addresses; a reference without an index means every instance (count, for_each)."""

    def __init__(self, addresses: Iterable[str]):
        self._addresses = set(addresses)
        self._by_base: dict[str, list[str]] = {}
        for address in self._addresses:
            if address.endswith("]") and "[" in address:
                self._by_base.setdefault(address[:address.rindex("[")], []).append(address)

    def of(self, references: Iterable[str]) -> tuple[str, ...]:
        found: set[str] = set()
        for reference in references:
            if reference in self._addresses or INPUT.match(reference):
                found.add(reference)
            else:
                found.update(a for a in self._by_base.get(reference, ()))
        return tuple(sorted(found))


def _exported_token(record: TerraformRecord) -> str:
    """The Pulumi type an exported resource came from, where its Terraform type has no token: an
    OCI token only for an OCI type, so a type of another provider cannot pass for OCI's, nor the
    reverse."""
    token = record.token or ""
    return token if token.startswith("oci:") == record.type.startswith(OCI_TYPE_PREFIX) else ""


def _with_origins(resolution: RegionResolution | None, config: ProviderConfig | None) -> RegionResolution | None:
    if resolution is None or config is None or not config.origins:
        return resolution
    written = None if resolution.secret else resolution.written
    return replace(resolution, origins=tuple(replace(o, value=o.value or written) for o in config.origins))


def _region(record: TerraformRecord, providers: Mapping[str, ProviderConfig]) -> RegionResolution | None:
    if record.unread_because:
        return RegionResolution(RegionSource.UNRESOLVED, provider=record.provider, reason=record.unread_because)
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
    if config.auth is UNKNOWN:
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=config.key,
            reason=f"the auth method of provider {config.key} cannot be known ({config.auth_unknown_because}), and "
            "some methods make OCI take the region from the runtime environment",
        )
    if config.region is UNKNOWN and config.unknown_because:
        return RegionResolution(RegionSource.UNRESOLVED, provider=config.key, reason=f"{what} cannot be known: {config.unknown_because}")
    resolution = region_resolution(
        config.region,
        RegionSource.PARENT_PROVIDER if record.inherited else RegionSource.EXPLICIT_PROVIDER,
        config.key,
        missing=f"provider {config.key} sets no region, so {AMBIENT}",
        what=what,
        auth=config.auth,
    )
    return replace(resolution, origin=config.origin) if config.origin else resolution
