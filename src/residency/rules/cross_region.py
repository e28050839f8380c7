"""RES002: replication, backup copies, peering and other movement go only to allowed regions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from residency.catalog import CATALOG, MovementField, ResourceKind
from residency.enforcement import Severity
from residency.inventory import FieldValue, Resource
from residency.inventory.values import snake
from residency.oci import parse_ocid, region_of_availability_domain
from residency.oci.regions import Region, lookup_region
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.evidence import classification_evidence
from residency.rules.inputs import Verdict, inputs_of, possible_values


class CrossRegionMovement(ResourceRule):
    meta = RuleMeta(
        id="RES002",
        name="cross-region-movement",
        title="Copies, replicas, backups and routes go only to allowed regions",
        severity=Severity.CRITICAL,
        rationale=(
            "Replication policies, backup copies, volume replicas, Data Guard peers, vault and secret "
            "replicas and remote peering put protected data, or a way to it, in another region. Each "
            "destination must be an allowed region: availability is met by an allowed DR region, not by "
            "leaving the country. A destination known only after apply cannot be shown compliant."
        ),
        remediation=(
            "Point the destination at an allowed region (for example the allowed DR region), or remove the "
            "cross-region copy. Write the destination as a literal or from stack config, so that it can be "
            "checked before deployment."
        ),
        applies_to=(
            "resource types with a field that names another region: replication policies, volume backups and "
            "backup policies, volume replicas, Autonomous and Data Guard peers, file-system replication, vault and "
            "secret replicas, NoSQL table replicas, MySQL and PostgreSQL backup copies, remote peering, DR "
            "protection groups; and resources of other providers that take a protected resource's outputs"
        ),
        tags=("residency", "replication"),
    )

    def reports_on_type(self, token: str) -> bool:
        # an OCI type moves data only through its movement fields; another provider's type (or one
        # the catalogue does not know) may take a protected resource's outputs
        return not token.startswith("oci:") or bool(CATALOG.movements(token))

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.kind is ResourceKind.NOT_OCI:
            yield from self._check_other_provider(resource, context)
            return
        if not resource.movements() or not context.is_protected(resource):
            return
        unknown_blocks: dict[str, list[MovementField]] = {}
        for movement in resource.movements():
            for value in resource.field(movement.segments):
                if not value.known and len(_bare(value.path).split(".")) < len(movement.segments):
                    unknown_blocks.setdefault(value.path, []).append(movement)
                else:
                    yield from self._check_value(resource, movement, value, context)
        for where, movements in unknown_blocks.items():
            yield from self._check_unknown(resource, _one_block(movements), where, context)

    def _check_other_provider(self, resource: Resource, context: RuleContext) -> Iterator[Violation]:
        """A resource of another provider (a dynamic provider, a command, another cloud) that takes a
        protected resource's outputs may copy the data anywhere: nothing shows where it puts them."""
        listed = context.policy.non_moving_types
        if not resource.custom or resource.is_provider or resource.token in listed or resource.terraform_type in listed:
            return
        for key, urns in resource.property_dependencies.items():
            sources = [context.resource(urn) for urn in urns]
            protected = [s for s in sources if s is not None and s.kind is not ResourceKind.NOT_OCI and context.is_protected(s)]
            if protected:
                path = snake(key)
                names = ", ".join(sorted({s.name for s in protected}))
                yield Violation(
                    resource,
                    f"{resource.type_label} takes {path} from {names}, protected data, and its provider is not OCI: where it "
                    "puts the data cannot be shown to be an allowed region (list its type in non_moving_types if it "
                    "moves no data)",
                    tuple(Evidence(resource.name, f"takes {path} from", s.name) for s in protected),
                    proven=False,
                    path=path,
                )

    def _check_value(self, resource: Resource, movement: MovementField, value: FieldValue, context: RuleContext) -> Iterator[Violation]:
        where = value.path or movement.path
        if not value.known:
            yield from self._check_unknown(resource, movement, where, context)
            return
        if value.value == "":  # Terraform's way of leaving an optional field unset: it names nothing
            return
        if value.secret:  # never shown, so never proven
            yield Violation(
                resource, f"{movement.moves}, but {where} is a secret, whose value is never shown, so it cannot be "
                "shown to name an allowed region", (Evidence(resource.name, f"has {where} =", "[secret]"),),
                proven=False, path=where,
            )
            return
        if not isinstance(value.value, str):
            yield Violation(resource, f"{where} is not text, so the region it names cannot be read", proven=False, path=where)
            return
        region, problem = _region_named(movement.kind, value.value)
        if region is not None and context.allows(region):
            return  # most destinations: no evidence to gather
        evidence = (Evidence(resource.name, f"has {where} =", value.shown()), classification_evidence(resource, context))
        if region is None:
            yield Violation(resource, f"{movement.moves}, but {where} {problem}", evidence, proven=movement.kind == "region", path=where)
        else:
            shown = "[secret]" if value.secret else region.name
            if movement.kind != "region":  # an AD or OCID: say which region it belongs to
                evidence = (evidence[0], Evidence(value.shown(), "is in", shown), evidence[1])
            yield Violation(
                resource,
                f"{movement.moves}: {where} puts it in {shown}, outside the allowed regions",
                evidence,
                path=where,
            )

    def _check_unknown(self, resource: Resource, movement: MovementField, where: str, context: RuleContext) -> Iterator[Violation]:
        """An OCID known only after apply still has a region when it comes from a resource in the
        same program. A destination that may come from several inputs is proven only when every one
        of them is a resource in an allowed region; anything else cannot be proven. An availability
        domain read from data sources (each through an attribute that names no other place) is one of
        their providers' regions."""
        inputs = inputs_of(resource, movement.segments[0], context)
        read_ad = movement.kind == "availability_domain" and inputs and all(i.data_source for i in inputs)
        if movement.kind == "ocid" or read_ad:
            for source in inputs:
                if source.verdict is Verdict.FOREIGN:
                    yield Violation(
                        resource,
                        f"{movement.moves}: {where} comes from {source.name}, in {source.where}, outside the allowed regions",
                        (Evidence(resource.name, f"takes {where} from", source.name), Evidence(source.name, "is in", source.where)),
                        path=where,
                    )
            if inputs and all(i.verdict in (Verdict.ALLOWED, Verdict.FOREIGN, Verdict.SAME_REGION) for i in inputs):
                return
        evidence = (Evidence(resource.name, f"has {where} =", "(known only after apply)"), *(i.evidence(resource, where) for i in inputs))
        if len(inputs) > 1 or any(i.verdict is not Verdict.UNPROVEN for i in inputs):
            message = (f"{movement.moves}, but {where} is known only after apply and may come from any of: "
                       f"{possible_values(inputs)}; not every one of them is shown to be an allowed region")
        else:
            message = f"{movement.moves}, but {where} is known only after apply, so it cannot be shown to name an allowed region"
        yield Violation(resource, message, evidence, proven=False, path=where)


def _bare(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def _one_block(movements: list[MovementField]) -> MovementField:
    """The movement fields inside one block known only after apply (a `dynamic` block), as one:
    the block is one finding, naming everything it may move. Judged as an OCID only when every
    field is one (an OCID from a resource in an allowed region proves no region name)."""
    kinds = {m.kind for m in movements}
    moves = "; ".join(dict.fromkeys(m.moves for m in movements))
    return MovementField(movements[0].path, kinds.pop() if len(kinds) == 1 else "region", moves)


def _region_named(kind: str, text: str) -> tuple[Region | None, str]:
    """The region a field's value names, or None and what is wrong with it."""
    if kind == "region":
        return lookup_region(text), f"names {text!r}, which is not an OCI region"
    if kind == "availability_domain":
        return region_of_availability_domain(text), f"is {text!r}, an availability domain of no known region"
    ocid = parse_ocid(text)
    if ocid is None:
        return None, f"is {text!r}, which is not an OCID"
    if not ocid.is_regional:
        return None, f"is {text!r}, an OCID that carries no region"
    return ocid.region, f"is an OCID with region {ocid.region_part!r}, which is not an OCI region"
