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
    inventory, found = context.inventory, []
    for urn in resource.dependencies_of(top_level):
        source = inventory.get(urn)
        read = inventory.data_source_read(urn) if source is None else None
        kind = source.kind if source is not None else None
        if read is not None:
            found.append(_read_from(resource, urn.rpartition("::")[2], *read, context))
        elif source is None:
            found.append(Input(urn, Verdict.UNPROVEN, "outside the program", in_program=False))
        elif kind is ResourceKind.IDENTITY:
            found.append(Input(source.name, Verdict.REGION_LESS, "an identity resource, which has no region"))
        elif source.token == STACK_REFERENCE:
            found.append(Input(source.name, Verdict.UNPROVEN, "an output of another stack", in_program=False))
        elif kind is not ResourceKind.REGIONAL:
            found.append(Input(source.name, Verdict.UNPROVEN, f"{source.type_label}, not an OCI resource", in_program=False))
        elif source.region is None or source.region.region is None:
            if _same_provider(resource.region, source.region):
                found.append(Input(source.name, Verdict.SAME_REGION, f"the region of {resource.name}, through the same provider"))
            else:
                found.append(Input(source.name, Verdict.UNPROVEN, "a region that cannot be shown"))
        else:
            region = source.region.region
            verdict = Verdict.ALLOWED if context.allows(region) else Verdict.FOREIGN
            found.append(Input(source.name, verdict, source.region.shown, region))
    if len(found) > 1:
        found.sort(key=lambda i: i.name)  # dependencies arrive in registration order, which varies
    return found


def _read_from(resource: Resource, name: str, data_source: DataSource, attributes: str, context: RuleContext) -> Input:
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
        if _same_provider(resource.region, data_source.region):
            return Input(name, Verdict.SAME_REGION, f"read in the region of {resource.name}, through the same provider",
                         data_source=True)
        return Input(name, Verdict.UNPROVEN, "read through a provider whose region cannot be shown")
    verdict = Verdict.ALLOWED if context.allows(region) else Verdict.FOREIGN
    return Input(name, verdict, data_source.region.shown, region, data_source=True)


def _same_provider(ours: RegionResolution | None, theirs: RegionResolution | None) -> bool:
    """Whether both are created (or read) through one provider configuration, so share a region even
    when it cannot be shown (RES001 reports that once, for each of them)."""
    return ours is not None and theirs is not None and ours.provider is not None and ours.provider == theirs.provider


def possible_values(inputs: list[Input]) -> str:
    """`master (us-ashburn-1), platform/keys (outside the program)`, for messages."""
    return ", ".join(f"{i.name} ({i.where})" for i in inputs)
