"""Where a value known only after apply can come from, and what each possible input proves.

A value built from several inputs (`coalesce`, a conditional, `try`, an `apply` or `Output.all`
over several outputs, `format`, a `for` expression) depends on every one of them, and may take
any one of them. It is proven inside the boundary only when every input is: a US key beside a
value from another stack does not make the value a US key."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from residency.catalog import CATALOG, ResourceKind
from residency.inventory import DataSource, RegionResolution, Resource
from residency.oci.regions import Region
from residency.rules.base import Evidence
from residency.rules.context import NeedsGraph, RuleContext

STACK_REFERENCE = "pulumi:pulumi:StackReference"


class Verdict(enum.Enum):
    ALLOWED = "allowed"  # a resource of the program in an allowed region
    FOREIGN = "foreign"  # a resource of the program in a region that is not allowed
    REGION_LESS = "region-less"  # an identity resource: its OCID names no region
    SAME_REGION = "same-region"  # created through the resource's own provider: in its region, whatever that is
    UNPROVEN = "unproven"  # outside the program, not OCI, or in a region that cannot be shown


@dataclass(frozen=True, slots=True)  # slots: a frozen class without them is slow to make, and this is made per reference
class Input:
    name: str  # the resource's name, or the dependency as the source wrote it
    verdict: Verdict
    where: str  # its region, or why none can be shown
    region: Region | None = None
    in_program: bool = True  # an OCI resource of the program (not another stack's output, not outside it)
    data_source: bool = False  # read from a data source, through an attribute that names no other place

    def evidence(self, resource: Resource, field: str) -> Evidence:
        return Evidence(resource.name, f"may take {field} from", f"{self.name} ({self.where})")


def inputs_of(resource: Resource, top_level: str, context: RuleContext) -> list[Input]:
    """The inputs of a top-level property's value, as the source recorded its dependencies."""
    if context.inventory is None:
        raise NeedsGraph(f"{resource.urn}.{top_level}")
    # What a dependency is, as an input, is worked out once per evaluation: many resources take
    # the same key, subnet or compartment.
    kept: dict[str, Input | _RegionNotShown] = context.kept("inputs by dependency")
    found = []
    for urn in resource.dependencies_of(top_level):
        dependency = kept.get(urn)
        if dependency is None:
            dependency = kept[urn] = _dependency(urn, context)
        found.append(dependency.input_to(resource) if type(dependency) is _RegionNotShown else dependency)
    if len(found) > 1:
        found.sort(key=lambda i: i.name)  # dependencies arrive in registration order, which varies
    return found


@dataclass(frozen=True, slots=True)
class _RegionNotShown:
    """A dependency whose region cannot be shown: what it proves depends on the resource that
    takes it, which is in the same region when both come through one provider."""

    name: str
    region: RegionResolution | None
    read: bool  # a data source's result, rather than a resource of the program

    def input_to(self, resource: Resource) -> Input:
        if _same_provider(resource.region, self.region):
            if self.read:
                return Input(self.name, Verdict.SAME_REGION, f"read in the region of {resource.name}, through the same provider",
                             data_source=True)
            return Input(self.name, Verdict.SAME_REGION, f"the region of {resource.name}, through the same provider")
        if self.read:
            return Input(self.name, Verdict.UNPROVEN, "read through a provider whose region cannot be shown")
        return Input(self.name, Verdict.UNPROVEN, "a region that cannot be shown")


def _dependency(urn: str, context: RuleContext) -> Input | _RegionNotShown:
    """What a dependency (a URN, or what the source wrote) is as an input to any resource."""
    inventory = context.inventory
    source = inventory.get(urn)
    if source is None:
        read = inventory.data_source_read(urn)
        if read is not None:
            return _read_from(urn.rpartition("::")[2], *read, context)
        if _urn_type(urn) == STACK_REFERENCE:  # as a policy pack sees it: the engine never sends one
            return Input(urn.split("::", 3)[3], Verdict.UNPROVEN, "an output of another stack", in_program=False)
        return Input(urn, Verdict.UNPROVEN, "outside the program", in_program=False)
    kind = source.kind
    if kind is ResourceKind.IDENTITY:
        return Input(source.name, Verdict.REGION_LESS, "an identity resource, which has no region")
    if source.token == STACK_REFERENCE:
        return Input(source.name, Verdict.UNPROVEN, "an output of another stack", in_program=False)
    if kind is not ResourceKind.REGIONAL:
        return Input(source.name, Verdict.UNPROVEN, f"{source.type_label}, not an OCI resource", in_program=False)
    if source.region is None or source.region.region is None:
        return _RegionNotShown(source.name, source.region, read=False)
    region = source.region.region
    verdict = Verdict.ALLOWED if context.allows(region) else Verdict.FOREIGN
    return Input(source.name, verdict, source.region.shown, region)


def _urn_type(urn: str) -> str | None:
    """The type a Pulumi URN names (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`)."""
    parts = urn.split("::", 3)
    return parts[2].rpartition("$")[2] if urn.startswith("urn:pulumi:") and len(parts) == 4 else None


def _read_from(name: str, data_source: DataSource, attributes: str, context: RuleContext) -> Input | _RegionNotShown:
    """A value a data source returns is of its provider's region, unless the attribute read may name
    another place (a peer's ID, a replica's availability domain, a list of regions)."""
    if data_source.region is None:
        return Input(name, Verdict.UNPROVEN, f"a data source of another provider ({data_source.type}), not OCI",
                     in_program=False)
    elsewhere = CATALOG.data_source_attribute_elsewhere(data_source.type, attributes)
    if elsewhere is not None:
        return Input(name, Verdict.UNPROVEN, f"{elsewhere} of a data source, which may name another region")
    region = data_source.region.region
    if region is None:
        return _RegionNotShown(name, data_source.region, read=True)
    verdict = Verdict.ALLOWED if context.allows(region) else Verdict.FOREIGN
    return Input(name, verdict, data_source.region.shown, region, data_source=True)


def _same_provider(ours: RegionResolution | None, theirs: RegionResolution | None) -> bool:
    """Whether both are created (or read) through one provider configuration, so share a region even
    when it cannot be shown (RES001 reports that once, for each of them)."""
    return ours is not None and theirs is not None and ours.provider is not None and ours.provider == theirs.provider


def possible_values(inputs: list[Input]) -> str:
    """`master (us-ashburn-1), platform/keys (outside the program)`, for messages."""
    return ", ".join(f"{i.name} ({i.where})" for i in inputs)
