"""The inventory: resources normalized from any source, which every rule reads."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from residency.catalog import CATALOG, MovementField, ResourceKind
from residency.inventory.values import FieldValue, Naming, Secret, camel, native_name, select
from residency.oci.regions import Region

PROVIDER_TOKEN_PREFIX = "pulumi:providers:"

# The Terraform type of a module call whose source is not on disk: what it creates cannot be seen.
UNREAD_MODULE_TYPE = "module (not read)"


class RegionSource(str, enum.Enum):
    """How a resource's region was decided."""

    EXPLICIT_PROVIDER = "explicit-provider"
    PARENT_PROVIDER = "parent-provider"  # inherited from a component's `providers`
    DEFAULT_PROVIDER = "default-provider"  # the stack's `oci:region` config
    DEPLOYED_OCID = "deployed-ocid"  # a deployed resource's own OCID names its region
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was written: the line a reviewer changes to change it."""

    kind: str  # "stack-config" | "provider" | "variable"
    name: str  # the config key ("us-data-boundary:dr.region"), the provider or the variable
    file: str | None = None  # relative to the program directory
    line: int | None = None
    value: str | None = None  # as written; never a secret's value
    how: str = ""  # for a variable, how it got its value, as evidence says it ("is set in", "has its default at")
    secret: bool = False  # a variable declared `sensitive`: what takes its value is sensitive too, as in Terraform


@dataclass(frozen=True, slots=True)
class RegionResolution:
    source: RegionSource
    region: Region | None = None  # None: unresolved, or the written value is no OCI region
    written: str | None = None  # as the program wrote it ("fra", "US-ASHBURN-1")
    provider: str | None = None  # the provider that gave it
    secret: bool = False
    reason: str = ""  # when there is no region: what could not be proven
    origins: tuple[Origin, ...] = ()  # where the region was written, the deepest first (config line, then provider)
    origin: str | None = None  # where a region from a variable was written ("var.region, default at main.tf:3")

    @property
    def shown(self) -> str:
        if self.region is not None:
            return "[secret]" if self.secret else self.region.name
        if self.written is not None:
            return "[secret]" if self.secret else self.written
        return "unresolved"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    file: str  # relative to the program directory
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(slots=True)
class Resource:
    urn: str  # Pulumi URN, or Terraform address
    name: str
    token: str  # pulumi type token ("" for a Terraform type pulumi-oci does not know)
    terraform_type: str | None
    custom: bool
    properties: Mapping[str, Any]
    naming: Naming
    region: RegionResolution | None = None  # None where regions do not apply (components, other clouds)
    parent: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    location: SourceLocation | None = None
    # where the values of top-level properties (source's names) were written, deepest first: the
    # variables a Terraform attribute takes its value from
    property_origins: Mapping[str, tuple[Origin, ...]] = field(default_factory=dict)
    # `kind`, worked out on first asking: most rules ask it of every resource. It follows from the
    # token, `custom` and the Terraform type, which no one changes once the resource is made.
    _kind: ResourceKind | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def kind(self) -> ResourceKind:
        kind = self._kind
        if kind is None:
            kind = self._kind = self._kind_of_type()
        return kind

    def _kind_of_type(self) -> ResourceKind:
        if not self.custom or self.token.startswith(PROVIDER_TOKEN_PREFIX):  # is_provider, without a second call: asked of every resource by most rules
            return ResourceKind.NOT_OCI
        if self.terraform_type == UNREAD_MODULE_TYPE:
            return ResourceKind.REGIONAL  # it may create anything anywhere: regional until shown otherwise
        if not self.token and (self.terraform_type or "").startswith("oci_"):
            return ResourceKind.REGIONAL  # an OCI type newer than the catalogue: regional until shown otherwise
        return CATALOG.kind(self.token)

    @property
    def is_provider(self) -> bool:
        return self.token.startswith(PROVIDER_TOKEN_PREFIX)

    @property
    def type_label(self) -> str:
        return self.token or self.terraform_type or "?"

    def field(self, path: str | tuple[str, ...]) -> Iterator[FieldValue]:
        if isinstance(path, str):
            segments = tuple(path.replace("[]", "").split(".")) if "[]" in path else tuple(path.split("."))
        else:
            segments = path
        if len(segments) == 1:
            # a top-level property that holds neither a list nor a secret is read where it stands, as
            # `first` reads it: `select` would find it, at greater cost
            value = self.properties.get(native_name(segments[0], self.naming))
            if value is None:
                return iter(())
            if not isinstance(value, (list, Secret)):
                return iter((FieldValue(segments[0], value, False),))
        return select(self.properties, segments, self.naming)

    def first(self, path: str) -> FieldValue | None:
        if "." not in path and "[]" not in path:
            # a top-level property that holds neither a list nor a secret (most rules' questions) is
            # read where it stands: `select` would find it, at greater cost
            value = self.properties.get(native_name(path, self.naming))
            if value is None:
                return None
            if not isinstance(value, (list, Secret)):
                return FieldValue(path, value, False)
        return next(self.field(path), None)

    def dependencies_of(self, top_level: str) -> tuple[str, ...]:
        """The resources a top-level property's value came from (snake_case name)."""
        key = camel(top_level) if self.naming == "pulumi" else top_level
        return self.property_dependencies.get(key, ())

    def movements(self) -> tuple[MovementField, ...]:
        return CATALOG.movements(self.token)


# A value read from a data source is recorded as a dependency on `data.<type>.<name>` followed by the
# attributes it reads (`data.oci_core_images.ol8.images[0].id`), within a module (`module.net.data...`).
DATA_SOURCE_READ = re.compile(r"^((?:[^:]*::)?(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*data\.[^.\[]+\.[^.\[]+)(\[[^\]]*\])?\.?(.*)$")
INSTANCE_INDEX = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True, slots=True)
class DataSource:
    """A data source of a Terraform configuration: what it returns is read by its provider, in that
    provider's region (none of its instances is a resource: it creates nothing)."""

    address: str  # without instance indices: data.oci_core_images.ol8, module.net.data.oci_core_services.all
    type: str  # Terraform's data source type
    region: RegionResolution | None  # as a resource through the same provider configuration; None: not OCI
    provider: str | None = None
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    kind: str  # pulumi-program | pulumi-state | terraform-plan | ...
    path: str
    project: str | None = None
    stack: str | None = None
    stack_urn: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class Inventory:
    source: SourceInfo
    resources: list[Resource]
    # where a written text value appears in the source's configuration (the stack config), for
    # findings to name the line a reviewer changes; None when the source has no such file
    value_origins: Callable[[str], tuple[Origin, ...]] | None = field(default=None, repr=False)
    deployed: Inventory | None = None  # what a state says is deployed, for the rules that compare the two
    data_sources: Mapping[str, DataSource] = field(default_factory=dict)  # by address (see DataSource)
    # by URN: what a Pulumi stack only reads (`get`, `external` in a state): it creates none of them, so
    # the rules judge none, but a resource that refers to one sees it (its region) as any other
    read: Mapping[str, Resource] = field(default_factory=dict)

    @cached_property
    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def get(self, urn: str) -> Resource | None:
        """A resource of the inventory, or one it only reads, by URN."""
        found = self.by_urn.get(urn)
        return self.read.get(urn) if found is None and self.read else found

    def __len__(self) -> int:
        return len(self.resources)

    def data_source_read(self, dependency: str) -> tuple[DataSource, str] | None:
        """The data source a dependency reads (`data.oci_core_images.ol8.images[0].id`) and the
        attributes it reads from it (`images[0].id`); None when it names no data source."""
        match = DATA_SOURCE_READ.match(dependency)
        if match is None:
            return None
        found = self.data_sources.get(INSTANCE_INDEX.sub("", match.group(1)))
        return (found, match.group(3)) if found is not None else None
