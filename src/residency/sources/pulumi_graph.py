"""Pulumi resources (from a program run, a state export or the engine) -> inventory.

This is where a resource's region is decided, the same way for every Pulumi source: from the
provider it is registered with, or, for the default provider, from the stack's `oci:region`.
The ambient region (OCI_REGION, ~/.oci/config, instance metadata) is never consulted: it is
not part of the program, and cannot be proven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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
    Secret,
    SourceInfo,
    SourceLocation,
)
from residency.oci.regions import lookup_region

OCI_PROVIDER = "pulumi:providers:oci"
AMBIENT = "OCI would take the region from the environment (OCI_REGION, ~/.oci/config or instance metadata), which cannot be proven"


@dataclass
class PulumiRecord:
    """One resource as the Pulumi engine sees it."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: Mapping[str, Any]  # decoded (values.from_pulumi)
    parent: str | None = None
    provider: str | None = None  # provider reference "<urn>::<id>"
    providers: Mapping[str, str] = field(default_factory=dict)  # a component's provider map: package -> reference
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    location: SourceLocation | None = None
    read: bool = False  # read (`get`), not registered: the stack creates none of it


def provider_urn(reference: str | None) -> str | None:
    """The URN in a provider reference; the ID after the last `::` may be unknown in a preview."""
    if not reference:
        return None
    return reference.rsplit("::", 1)[0]


def is_default_provider(urn: str) -> bool:
    name = urn.rsplit("::", 1)[-1]
    return name == "default" or name.startswith("default_")


def build_inventory(
    records: Iterable[PulumiRecord], *, default_region: Any, config_name: str, source: SourceInfo,
    default_auth: Any = None, config_origins: Callable[[str], tuple[Origin, ...]] | None = None,
) -> Inventory:
    """`default_region` is the stack's `oci:region` (None when unset); `config_name` says where it
    is set, for messages. `config_origins` finds where in the stack config a written region is."""
    records = list(records)
    by_urn = {r.urn: r for r in records}
    resolver = _RegionResolver(by_urn, default_region, config_name, default_auth)
    origins = _Origins(by_urn, config_origins)
    resources = [
        Resource(
            urn=r.urn,
            name=r.name,
            token=r.type,
            terraform_type=CATALOG.terraform_type(r.type),
            custom=r.custom,
            properties=r.inputs,
            naming="pulumi",
            region=origins.add(resolver.resolve(r)),
            parent=r.parent,
            provider=provider_urn(r.provider),
            dependencies=r.dependencies,
            property_dependencies=r.property_dependencies,
            location=r.location,
        )
        for r in records
    ]
    return Inventory(source=source, resources=resources, value_origins=config_origins)


def set_apart_reads(inventory: Inventory, records: Sequence[PulumiRecord]) -> Inventory:
    """What the stack only reads (`get`) kept apart (`Inventory.read`): it creates none of it, so the
    rules judge none of it (nor does the policy pack, which the engine never sends a read), but a
    resource that refers to one sees it where it is."""
    read = [record.urn for record in records if record.read]
    if not read:
        return inventory
    note = (f"{len(read)} resource(s) the stack only reads (`get`) are left to whatever manages them, and judged "
            "only where a resource of the stack refers to them: " + ", ".join(read[:5]) + (" ..." if len(read) > 5 else ""))
    apart = set(read)
    return replace(inventory, source=replace(inventory.source, notes=(*inventory.source.notes, note)),
                   resources=[r for r in inventory.resources if r.urn not in apart],
                   read={r.urn: r for r in inventory.resources if r.urn in apart})


class _Origins:
    """Where each region was written: the stack config line that holds the value, then the
    provider that was given it. Only evidence for reviewers; the region itself is decided above."""

    def __init__(self, by_urn: Mapping[str, PulumiRecord], config_origins: Callable[[str], tuple[Origin, ...]] | None):
        self._by_urn = by_urn
        self._config_origins = config_origins
        self._cache: dict[tuple[str | None, str | None], tuple[Origin, ...]] = {}

    def add(self, resolution: RegionResolution | None) -> RegionResolution | None:
        if resolution is None:
            return None
        written = None if resolution.secret else resolution.written
        key = (resolution.provider, written)
        if key not in self._cache:
            self._cache[key] = self._find(resolution.provider, written)
        found = self._cache[key]
        return replace(resolution, origins=found) if found else resolution

    def _find(self, provider_urn: str | None, written: str | None) -> tuple[Origin, ...]:
        config = self._config_origins(written) if written and self._config_origins else ()
        provider = self._by_urn.get(provider_urn) if provider_urn else None
        if provider is None:
            return config
        location = provider.location
        block = Origin("provider", provider.name, location.file if location else None,
                       location.line if location else None, written)
        return (*config, block)


class _RegionResolver:
    def __init__(self, by_urn: Mapping[str, PulumiRecord], default_region: Any, config_name: str, default_auth: Any):
        self._by_urn = by_urn
        self._default_region = default_region
        self._default_auth = default_auth
        self._config_name = config_name

    def resolve(self, record: PulumiRecord) -> RegionResolution | None:
        if not record.custom or not record.type.startswith("oci:"):
            return None
        urn = provider_urn(record.provider)
        if urn is None:
            return self._from_config()
        provider = self._by_urn.get(urn)
        if is_default_provider(urn):
            if provider is None:
                return self._from_config()
            return region_resolution(
                provider.inputs.get("region"), RegionSource.DEFAULT_PROVIDER, provider.urn,
                missing=self._default_missing, what="the region of the default OCI provider",
                auth=provider.inputs.get("auth"),
            )
        if provider is None:
            return RegionResolution(
                RegionSource.UNRESOLVED, provider=urn,
                reason=f"its provider {urn} is not part of the program",
            )
        source = RegionSource.PARENT_PROVIDER if self._inherited(record) else RegionSource.EXPLICIT_PROVIDER
        return self._from_provider(provider, source)

    def _inherited(self, record: PulumiRecord) -> bool:
        """Whether the provider is the one the nearest component with an `oci` provider hands down."""
        parent = self._by_urn.get(record.parent) if record.parent else None
        while parent is not None:
            if "oci" in parent.providers:
                return parent.providers["oci"] == record.provider
            parent = self._by_urn.get(parent.parent) if parent.parent else None
        return False

    @property
    def _default_missing(self) -> str:
        return f"the default OCI provider has no region: {self._config_name} does not set oci:region, so {AMBIENT}"

    def _from_config(self) -> RegionResolution:
        return region_resolution(
            self._default_region, RegionSource.DEFAULT_PROVIDER, None,
            missing=self._default_missing, what=f"oci:region in {self._config_name}", auth=self._default_auth,
        )

    def _from_provider(self, provider: PulumiRecord, source: RegionSource) -> RegionResolution:
        return region_resolution(
            provider.inputs.get("region"), source, provider.urn,
            missing=f"provider {provider.name!r} sets no region, so {AMBIENT}",
            what=f"the region of provider {provider.name!r}",
            auth=provider.inputs.get("auth"),
        )


def region_resolution(
    value: Any, source: RegionSource, provider: str | None, *, missing: str, what: str, auth: Any = None
) -> RegionResolution:
    """A provider's written region as a resolution; the Terraform sources decide regions with it too.
    Under some `auth` methods OCI ignores the written region altogether."""
    while isinstance(auth, Secret):
        auth = auth.value
    if auth is UNKNOWN:
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=provider,
            reason=f"{what} may not count: the provider's auth method is known only after apply, and under some "
            "(ResourcePrincipal, OKEWorkloadIdentity) OCI takes the region from the runtime "
            "environment, so it cannot be proven",
        )
    ambient_auth = CATALOG.ambient_region_auth(auth) if isinstance(auth, str) else None
    if ambient_auth is not None:
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=provider,
            reason=f"{what} does not count: the provider authenticates with {ambient_auth}, under which OCI takes "
            "the region from the runtime environment, so it cannot be proven",
        )
    secret = False
    while isinstance(value, Secret):
        value, secret = value.value, True
    if value is None or value == "":
        return RegionResolution(RegionSource.UNRESOLVED, provider=provider, reason=missing)
    if value is UNKNOWN:
        reason = f"{what} is an encrypted secret that cannot be read offline" if secret else f"{what} is known only after apply"
        return RegionResolution(RegionSource.UNRESOLVED, provider=provider, secret=secret, reason=reason)
    if secret:
        # A finding may never show a secret, so it could not say which region this is: unproven.
        return RegionResolution(
            RegionSource.UNRESOLVED, provider=provider, secret=True,
            reason=f"{what} is a secret, whose value is never shown, so it cannot be proven to be an allowed region",
        )
    if not isinstance(value, str):
        return RegionResolution(source, written=str(value), provider=provider, secret=secret, reason=f"{what} is not a region name")
    region = lookup_region(value)
    if region is None:
        return RegionResolution(source, written=value, provider=provider, secret=secret, reason=f"{what} is not an OCI region")
    return RegionResolution(source, region=region, written=value, provider=provider, secret=secret)
