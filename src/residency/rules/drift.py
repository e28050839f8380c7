"""RES006: what is deployed is what the program declares: nothing protected is left behind in a
region, moved, or copied to a destination the program no longer names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from residency.catalog import ResourceKind
from residency.enforcement import Severity
from residency.inventory import Inventory, Resource
from residency.oci.regions import lookup_region
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext


class DeployedDrift(ResourceRule):
    meta = RuleMeta(
        id="RES006",
        name="deployed-drift",
        title="Nothing protected is deployed that the program does not declare",
        severity=Severity.HIGH,
        rationale=(
            "A gate on the program sees what is about to change, not what is already there. A resource "
            "removed from the program but still deployed (left behind by `pulumi state delete`, "
            "`terraform state rm`, a failed destroy or a stack nobody updates) keeps its data where it is; "
            "one deployed in another region than the program now declares, or replicating to a destination "
            "the program no longer names, holds or sends protected data where the program says it is not."
        ),
        remediation=(
            "Bring the deployment in line with the program: run `pulumi up` / `terraform apply` so that "
            "resources the program no longer declares are deleted and moved ones are replaced, or delete "
            "what was left behind by hand; then export the state again and check it."
        ),
        applies_to="regional OCI resources in the deployed state given with --state, whose classification is protected",
        tags=("residency", "drift"),
        reads_deployed_state=True,
    )

    def reports_on_type(self, token: str) -> bool:
        return False  # it compares the whole program with the state, in check_stack

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        return ()

    def check_stack(self, context: RuleContext) -> Iterable[Violation]:
        program = context.inventory
        deployed = program.deployed if program is not None else None
        if program is None or deployed is None:
            return
        deployed_context = RuleContext(context.policy, deployed)
        declared = {logical_name(r.urn): r for r in program.resources}
        for resource in deployed.resources:
            if resource.kind is not ResourceKind.REGIONAL:
                continue
            twin = declared.get(logical_name(resource.urn))
            protected = deployed_context.is_protected(resource) or (twin is not None and context.is_protected(twin))
            if not protected:
                continue
            if twin is None:
                yield _left_behind(resource, deployed)
            else:
                yield from _moved(twin, resource)
                yield from _redirected(twin, resource)


def logical_name(urn: str) -> str:
    """A resource's name within its stack: the URN after `urn:pulumi:<stack>::<project>::` (an
    offline run and an export may name the stack differently), or a Terraform address."""
    return urn.split("::", 2)[2] if urn.startswith("urn:pulumi:") and urn.count("::") >= 2 else urn


def _left_behind(resource: Resource, deployed: Inventory) -> Violation:
    where = resource.region.shown if resource.region else "a region the state does not show"
    return Violation(
        resource,
        f"deployed in {where} but no longer declared: its data stays there until the resource is deleted",
        (Evidence(deployed.source.path, "lists", resource.name), Evidence("the program", "does not declare", resource.name)),
    )


def _moved(declared: Resource, deployed: Resource) -> Iterator[Violation]:
    was = deployed.region.region if deployed.region else None
    wanted = declared.region.region if declared.region else None
    if was is not None and wanted is not None and was != wanted:
        yield Violation(
            declared,
            f"declared in {declared.region.shown} but deployed in {deployed.region.shown}: its data is there "
            "until the next update replaces it",
            (Evidence(declared.name, "is declared in", declared.region.shown),
             Evidence(deployed.name, "is deployed in", deployed.region.shown)),
        )


def _redirected(declared: Resource, deployed: Resource) -> Iterator[Violation]:
    """A movement field (replication destination, backup copy region ...) whose deployed value is
    not what the program declares. A value known only after apply is RES002's to report."""
    for movement in declared.movements():
        wanted = list(declared.field(movement.segments))
        found = list(deployed.field(movement.segments))
        if not all(v.known for v in wanted + found):
            continue
        if _destinations(wanted, movement.kind) == _destinations(found, movement.kind):
            continue
        shown_found = ", ".join(v.shown() for v in found) or "nothing"
        shown_wanted = ", ".join(v.shown() for v in wanted) or "nothing"
        yield Violation(
            declared,
            f"{movement.moves}: the deployed {movement.path} is {shown_found}, the program declares {shown_wanted}",
            (Evidence(deployed.name, f"is deployed with {movement.path} =", shown_found),
             Evidence(declared.name, f"is declared with {movement.path} =", shown_wanted)),
            path=movement.path.replace("[]", ""),
        )


def _destinations(values, kind: str) -> set[str]:
    """Values compared as OCI compares them: region names and keys alike, in any case."""
    names = set()
    for value in values:
        text = str(value.value)
        region = lookup_region(text) if kind == "region" else None
        names.add(region.name if region is not None else text.lower())
    return names
