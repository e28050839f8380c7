"""Where a value known only after apply can come from, and what each possible input proves.

A value built from several inputs (`coalesce`, a conditional, `try`, an `apply` or `Output.all`
over several outputs, `format`, a `for` expression) depends on every one of them, and may take
any one of them. It is proven inside the boundary only when every input is: a US key beside a
value from another stack does not make the value a US key."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from residency.catalog import ResourceKind
from residency.inventory import Resource
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


@dataclass(frozen=True)
class Input:
    name: str  # the resource's name, or the dependency as the source wrote it
    verdict: Verdict
    where: str  # its region, or why none can be shown
    region: Region | None = None
    in_program: bool = True  # an OCI resource of the program (not another stack's output, not outside it)

    def evidence(self, resource: Resource, field: str) -> Evidence:
        return Evidence(resource.name, f"may take {field} from", f"{self.name} ({self.where})")


def inputs_of(resource: Resource, top_level: str, context: RuleContext) -> list[Input]:
    """The inputs of a top-level property's value, as the source recorded its dependencies."""
    if context.inventory is None:
        raise NeedsGraph(f"{resource.urn}.{top_level}")
    found = []
    for urn in resource.dependencies_of(top_level):
        source = context.inventory.get(urn)
        if source is None:
            found.append(Input(urn, Verdict.UNPROVEN, "outside the program", in_program=False))
        elif source.kind is ResourceKind.IDENTITY:
            found.append(Input(source.name, Verdict.REGION_LESS, "an identity resource, which has no region"))
        elif source.token == STACK_REFERENCE:
            found.append(Input(source.name, Verdict.UNPROVEN, "an output of another stack", in_program=False))
        elif source.kind is not ResourceKind.REGIONAL:
            found.append(Input(source.name, Verdict.UNPROVEN, f"{source.type_label}, not an OCI resource", in_program=False))
        elif source.region is None or source.region.region is None:
            if _same_provider(resource, source):
                found.append(Input(source.name, Verdict.SAME_REGION, f"the region of {resource.name}, through the same provider"))
            else:
                found.append(Input(source.name, Verdict.UNPROVEN, "a region that cannot be shown"))
        else:
            region = source.region.region
            verdict = Verdict.ALLOWED if context.allows(region) else Verdict.FOREIGN
            found.append(Input(source.name, verdict, source.region.shown, region))
    return sorted(found, key=lambda i: i.name)  # dependencies arrive in registration order, which varies


def _same_provider(resource: Resource, source: Resource) -> bool:
    """Whether both are created through one provider configuration, so share a region even when
    it cannot be shown (RES001 reports that once, for each of them)."""
    ours, theirs = resource.region, source.region
    return ours is not None and theirs is not None and ours.provider is not None and ours.provider == theirs.provider


def possible_values(inputs: list[Input]) -> str:
    """`master (us-ashburn-1), platform/keys (outside the program)`, for messages."""
    return ", ".join(f"{i.name} ({i.where})" for i in inputs)
