"""Terraform resources (from a plan or from HCL files) -> inventory.

Terraform ties every resource to one provider configuration: its module's unaliased `oci` block,
the alias its `provider` argument names, or a configuration a module call passes down. That
configuration's `region` is the resource's region. Both Terraform sources find the link and the
region value; this module turns them into the inventory's resolutions, with the same wording
and the same fail-closed reading as the Pulumi sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
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
# What most resources have: no reference, no variable behind an attribute (shared, never changed).
NO_DEPENDENCIES: Mapping[str, tuple[str, ...]] = MappingProxyType({})
NO_ORIGINS: Mapping[str, tuple[Origin, ...]] = MappingProxyType({})


# The fields of a Resource in the order ResourceBuilder passes them.
RESOURCE_FIELDS = ("urn", "name", "token", "terraform_type", "custom", "properties", "naming", "region", "parent",
                   "provider", "dependencies", "property_dependencies", "location", "property_origins")
if tuple(f.name for f in fields(Resource) if f.init) != RESOURCE_FIELDS:
    raise TypeError("Resource's fields changed: ResourceBuilder.add passes them by position (RESOURCE_FIELDS)")


@dataclass(frozen=True)
class ProviderConfig:
    key: str  # as a plan names it: "oci", "oci.west", "module.network:oci"
    region: Any = None  # as written; None when the configuration sets none, UNKNOWN when it cannot be known
    unknown_because: str | None = None  # for an UNKNOWN region: why ("var.region has no value")
    auth: Any = None  # the `auth` method, as written; UNKNOWN when it cannot be known
    auth_unknown_because: str | None = None
    origin: str | None = None  # where a region from a variable was written ("var.region, default at main.tf:3")
    origins: tuple[Origin, ...] = ()  # where it is written: the provider block, a variable's value (file, line)


@dataclass(slots=True)
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


def build_inventory(records: Iterable[TerraformRecord], providers: Mapping[str, ProviderConfig], source: SourceInfo,
                    variant: str | None = None, data_sources: Iterable[TerraformRecord] = ()) -> Inventory:
    """`variant`: the input set the records were read with, when several are checked; it makes
    each URN unique (`prod.tfvars::oci_core_vcn.main`), the name stays the address. `data_sources`:
    the configuration's data blocks (address, type, provider), whose region is found as a resource's."""
    builder = ResourceBuilder(providers, variant)
    for record in records:
        builder.add(record.address, record.type, record.values, record.provider, record.inherited,
                    record.references, record.location, record.origins, record.token, record.unread_because)
    return builder.inventory(source, data_sources)


class ResourceBuilder:
    """Terraform resources -> the inventory's, one at a time (a source with many builds each
    straight from what it reads, with no record in between). A reference can name any resource,
    so the dependencies are resolved once all are added (`inventory`)."""

    def __init__(self, providers: Mapping[str, ProviderConfig], variant: str | None = None):
        self._providers = providers
        self._variant = variant
        self._resources: list[Resource] = []
        self._referring: list[tuple[Resource, Mapping[str, tuple[str, ...]]]] = []  # with their references
        # Once per type and provider link rather than per resource: the (immutable) region resolution,
        # shared, and the token.
        self._by_link: dict[tuple, tuple[RegionResolution | None, str | None]] = {}

    def add(self, address: str, type_: str, values: Mapping[str, Any], provider: str | None, inherited: bool = False,
            references: Mapping[str, tuple[str, ...]] = NO_DEPENDENCIES, location: SourceLocation | None = None,
            origins: Mapping[str, tuple[Origin, ...]] = NO_ORIGINS, token: str | None = None,
            unread_because: str | None = None) -> None:
        """A resource: `references` are, per attribute, the absolute addresses it refers to; `origins`
        the variables behind each attribute; `token` the Pulumi type `residency export` wrote."""
        link = (type_, provider, inherited, unread_because)
        try:
            region, known = self._by_link[link]
        except KeyError:
            region, known = self._by_link[link] = self._region_and_token(type_, provider, inherited, unread_because)
        # by position (RESOURCE_FIELDS): by keyword, making one takes three times as long
        resource = Resource(f"{self._variant}::{address}" if self._variant else address, address,
                            known or _exported_token(type_, token), type_, True, values, "terraform", region, None,
                            provider, (), {}, location, origins)
        self._resources.append(resource)
        if references:
            self._referring.append((resource, references))

    def _region_and_token(self, type_: str, provider: str | None, inherited: bool,
                          unread_because: str | None) -> tuple[RegionResolution | None, str | None]:
        """The region of a type's resources through a provider link, and the type's token."""
        return (_with_origins(_region(type_, provider, inherited, unread_because, self._providers),
                              self._providers.get(provider or "")), CATALOG.token(type_))

    def inventory(self, source: SourceInfo, data_sources: Iterable[TerraformRecord] = ()) -> Inventory:
        """The inventory of the resources added, each with the URNs its references name."""
        instances = _Instances(r.name for r in self._resources)
        last: Mapping[str, tuple[str, ...]] | None = None
        for resource, references in self._referring:
            # instances of one configuration (count, for_each) follow one another and share their
            # references: resolved once for all
            if references is not last:
                last, dependencies = references, instances.dependencies(references, self._variant)
                # every URN the attributes depend on, sorted, once: one attribute's own tuple is that
                if len(dependencies) == 1:
                    every = next(iter(dependencies.values()))
                else:  # none (references to nothing the inventory holds) or several
                    every = _all_of(dependencies) if dependencies else ()
            resource.property_dependencies, resource.dependencies = dependencies, every
        urn = (lambda address: f"{self._variant}::{address}") if self._variant else (lambda address: address)
        return Inventory(source=source, resources=self._resources,
                         data_sources=_data_sources(data_sources, self._providers, urn))


def _data_sources(records: Iterable[TerraformRecord], providers: Mapping[str, ProviderConfig],
                  urn: Callable[[str], str]) -> dict[str, DataSource]:
    """By address without instance indices: every instance of a data block (and of the module that
    holds it) uses one provider configuration."""
    found = {}
    for record in records:
        address = urn(INSTANCE_INDEX.sub("", record.address))
        region = _with_origins(_region(record.type, record.provider, record.inherited, record.unread_because, providers),
                               providers.get(record.provider or ""))
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

    def dependencies(self, references: Mapping[str, Iterable[str]], variant: str | None) -> dict[str, tuple[str, ...]]:
        """Per attribute, the URNs of what its references name (of a `variant`'s URNs)."""
        found = {}
        addresses, by_base = self._addresses, self._by_base
        for attribute, named in references.items():
            if type(named) is tuple and len(named) == 1 and named[0] in addresses:  # most: one resource
                found[attribute] = (f"{variant}::{named[0]}",) if variant else named
                continue
            # the addresses it names: a resource's, an input's, or every instance of a resource
            named_here: set[str] = set()
            for reference in named:
                # an input's address holds `var.` or `data.`: the expression is asked of those alone
                if reference in addresses or ("var." in reference or "data." in reference) and INPUT.match(reference):
                    named_here.add(reference)
                elif instances := by_base.get(reference):
                    named_here.update(instances)
            if named_here:
                here = tuple(sorted(named_here)) if len(named_here) > 1 else tuple(named_here)
                found[attribute] = tuple(f"{variant}::{a}" for a in here) if variant else here
        return found


def _all_of(dependencies: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Every URN the attributes depend on, sorted, once (each attribute's own tuple already is)."""
    return tuple(sorted({a for found in dependencies.values() for a in found}))


def _exported_token(type_: str, token: str | None) -> str:
    """The Pulumi type an exported resource came from, where its Terraform type has no token: an
    OCI token only for an OCI type, so a type of another provider cannot pass for OCI's, nor the
    reverse."""
    token = token or ""
    return token if token.startswith("oci:") == type_.startswith(OCI_TYPE_PREFIX) else ""


def _with_origins(resolution: RegionResolution | None, config: ProviderConfig | None) -> RegionResolution | None:
    if resolution is None or config is None or not config.origins:
        return resolution
    written = None if resolution.secret else resolution.written
    return replace(resolution, origins=tuple(replace(o, value=o.value or written) for o in config.origins))


def _region(type_: str, provider: str | None, inherited: bool, unread_because: str | None,
            providers: Mapping[str, ProviderConfig]) -> RegionResolution | None:
    if unread_because:
        return RegionResolution(RegionSource.UNRESOLVED, provider=provider, reason=unread_because)
    if not type_.startswith(OCI_TYPE_PREFIX):
        return None
    if provider is None:
        return RegionResolution(
            RegionSource.UNRESOLVED, reason="the source does not say which provider configuration creates it"
        )
    config = providers.get(provider)
    if config is None:
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=provider,
            reason=f"no provider block configures {provider}, so {AMBIENT}",
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
        RegionSource.PARENT_PROVIDER if inherited else RegionSource.EXPLICIT_PROVIDER,
        config.key,
        missing=f"provider {config.key} sets no region, so {AMBIENT}",
        what=what,
        auth=config.auth,
    )
    return replace(resolution, origin=config.origin) if config.origin else resolution
