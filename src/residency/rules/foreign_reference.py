"""RES003: a protected resource refers to nothing in a region that is not allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from residency.catalog import CATALOG, ResourceKind
from residency.enforcement import Severity
from residency.inventory import UNKNOWN, FieldValue, Resource
from residency.inventory.values import leaves, scan_text, snake
from residency.oci.external_keys import locate_key
from residency.oci.regions import Region
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.evidence import classification_evidence
from residency.rules.inputs import Input, Verdict, inputs_of, possible_values


class ForeignReference(ResourceRule):
    meta = RuleMeta(
        id="RES003",
        name="foreign-reference",
        title="No references to resources in other regions",
        severity=Severity.HIGH,
        rationale=(
            "An OCID names its region. A protected resource that uses a key from a vault in another "
            "region, a peer, a subnet, an image or a log group elsewhere ties protected data to that "
            "region: the key that guards the data, or a path to it, sits outside the boundary."
        ),
        remediation=(
            "Use the resource's counterpart in the same (allowed) region: a key from a vault in the "
            "resource's own region, a peer in an allowed region. Replace hard-coded OCIDs from other "
            "regions."
        ),
        applies_to="every OCI resource whose classification is protected",
        tags=("residency", "reference"),
    )

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.kind is ResourceKind.NOT_OCI or not context.is_protected(resource):
            return
        own_region = resource.region.region if resource.region else None
        scan = scan_text(resource.properties, "ocid1.", CATALOG.labels)  # one walk serves both; tags refer to nothing
        found: list[tuple[Violation, Region | None]] = []
        if scan.strings:  # each part only where there is something for it to read: asked of every protected resource
            found += self._known_ocids(resource, scan.strings, context)
        if scan.unknown_keys:
            found += self._references(resource, scan.unknown_keys, context)
        if CATALOG.external_keys(resource.token):
            found += self._external_keys(resource, context)
        for violation, region in found:
            if region is None or region != own_region:  # a resource outside the boundary is RES001's finding
                yield violation

    def _known_ocids(self, resource: Resource, strings: list[FieldValue], context: RuleContext) -> Iterator[tuple[Violation, Region | None]]:
        """`strings`: the resource's known values that hold `ocid1.`."""
        movement_paths = CATALOG.movement_paths(resource.token)  # RES002 reports those
        for value in strings:
            outside = context.ocids_outside(value.value)
            if not outside:
                continue  # most values: a compartment's OCID, or one in an allowed region
            path = _snake_path(value.path, resource)
            if _without_indices(path) in movement_paths:
                continue
            for ocid in outside:
                shown = "[secret]" if value.secret else ocid.text
                evidence = (Evidence(resource.name, f"has {path} =", shown), classification_evidence(resource, context))
                what = f"{_article(ocid.resource_type)} {ocid.resource_type}"
                if ocid.region is None:
                    message = f"{path} refers to {what} in region {ocid.region_part!r}, which is not an OCI region"
                    yield Violation(resource, message, evidence, path=path), None
                else:
                    yield Violation(
                        resource,
                        f"{path} refers to {what} in {ocid.region.name}, outside the allowed regions",
                        (*evidence[:1], Evidence(f"the {ocid.resource_type}", "is in", ocid.region.name), evidence[1]),
                        path=path,
                    ), ocid.region

    def _references(self, resource: Resource, unknown_keys: list[str], context: RuleContext) -> Iterator[tuple[Violation, Region | None]]:
        """Values known only after apply (in the top-level properties `unknown_keys`): an ID that
        comes from a resource of the program has that resource's region. A value that may come from
        several inputs is proven only when each of them is: one from nowhere in the program
        (another stack, an encrypted config value), or from a resource whose region cannot be
        shown, leaves it unproven."""
        movement_roots = CATALOG.movement_roots(resource.token)
        for key in unknown_keys:
            value = resource.properties[key]
            name = snake(key) if resource.naming == "pulumi" else key
            if name in movement_roots or CATALOG.same_region_only(resource.token, name):
                continue
            inputs = inputs_of(resource, name, context)
            proven = bool(inputs)  # a loop rather than any(): a generator for each property of every resource costs more
            for source in inputs:
                if source.verdict is Verdict.UNPROVEN:
                    proven = False
            if not proven:  # else every input proves its region
                unknown_ids = _unknown_ids_kept(name, value, resource, context)
                if unknown_ids:
                    yield self._unproven(resource, name, unknown_ids, inputs), None
            for source in inputs:
                if source.verdict is Verdict.FOREIGN:
                    yield Violation(
                        resource,
                        f"{name} comes from {source.name}, in {source.where}, outside the allowed regions",
                        (Evidence(resource.name, f"takes {name} from", source.name), Evidence(source.name, "is in", source.where)),
                        path=name,
                    ), source.region

    @staticmethod
    def _unproven(resource: Resource, name: str, unknown_ids: list[str], inputs: list[Input]) -> Violation:
        shown = ", ".join(unknown_ids)
        if not any(i.in_program for i in inputs):
            message = (f"{shown} is known only after apply and comes from no OCI resource of this program, so the "
                       "region of what it names cannot be shown")
        else:
            message = (f"{shown} is known only after apply and may come from any of: {possible_values(inputs)}; "
                       "not every one of them is shown to be in an allowed region")
        return Violation(
            resource, message,
            (Evidence(resource.name, f"has {shown} =", "(known only after apply)"), *(i.evidence(resource, name) for i in inputs)),
            proven=False, path=name,
        )

    def _external_keys(self, resource: Resource, context: RuleContext) -> Iterator[tuple[Violation, Region | None]]:
        """Keys kept outside OCI: in another cloud's region, or in a key manager nobody can place."""
        for key_field in CATALOG.external_keys(resource.token):
            for value in resource.field(key_field.segments):
                where = value.path or key_field.path
                evidence = (Evidence(resource.name, f"has {where} =", value.shown()), classification_evidence(resource, context))
                if not value.known:
                    yield Violation(resource, f"{where} names a key outside OCI and is known only after apply, so where "
                                    "the key is cannot be shown", evidence, proven=False, path=where), None
                    continue
                if not isinstance(value.value, str) or not value.value.strip():
                    continue
                place = locate_key(key_field.form, value.value)
                if place.location is None:
                    yield Violation(resource, f"{where} names a key in {place.shown_cloud}, but {place.why_unknown}: "
                                    "it cannot be shown to be inside the boundary", evidence, proven=False, path=where), None
                elif not context.policy.allows_external(place.cloud, place.location):
                    shown = "[secret]" if value.secret else place.location
                    yield Violation(
                        resource,
                        f"{where} names a key in {place.shown_cloud} {shown}, which is not in the policy's regions.external.{place.cloud}",
                        (evidence[0], Evidence(f"the {place.shown_cloud} key", "is in", shown), evidence[1]),
                        path=where,
                    ), None


def _unknown_ids(name: str, value, resource: Resource) -> list[str]:
    """The paths of OCID-valued fields (`*_id`, `*_ids`, and the catalogue's `ocid_fields` under
    other names: an alarm's `destinations`) under a property that are unknown; fields that take the
    OCID of something without a region (a compartment, the tenancy) tie nothing to one, nor do those
    that take no OCID at all (the catalogue's `not_ocid_fields`: an identity domain's event ID, an
    OAuth client ID). A block unknown as a whole (a `dynamic` block) stands for the reference fields
    it may hold (nested_blocks.json lists only those that take an OCID)."""
    found = []
    # a property unknown as a whole (as most are in a plan) is its own one leaf: no walk for it
    for leaf in (FieldValue(name, UNKNOWN),) if value is UNKNOWN else leaves({name: value}):
        if leaf.known:
            continue
        path = _snake_path(leaf.path, resource)
        bare = _without_indices(path)
        field = bare.rsplit(".", 1)[-1]
        if (field.endswith(("_id", "_ids")) and not CATALOG.names_region_less(field)
                and not CATALOG.takes_no_ocid(resource.token, bare)) or CATALOG.takes_ocid(resource.token, bare):
            found.append(path)
        elif bare == name and (block := CATALOG.nested_block(resource.token, name)) is not None \
                and (references := block.references):
            held = ", ".join(references[:4]) + (", ..." if len(references) > 4 else "")
            found.append(f"{path} (a block that may hold {held})")
    return found


def _unknown_ids_kept(name: str, value, resource: Resource, context: RuleContext) -> list[str]:
    """`_unknown_ids`, worked out once per type and property where the property is unknown as a
    whole (as most are in a plan): the answer then follows from the property's name, the type and
    its naming alone, and every resource of the type asks the same."""
    if value is not UNKNOWN:
        return _unknown_ids(name, value, resource)
    kept = context.kept("RES003 unknown ids of a property unknown as a whole")
    question = (resource.token, resource.naming, name)
    found = kept.get(question)
    if found is None:
        found = kept[question] = _unknown_ids(name, value, resource)
    return found


def _snake_path(path: str, resource: Resource) -> str:
    if resource.naming != "pulumi":
        return path
    return ".".join(snake(part) if re.fullmatch(r"[A-Za-z0-9]+(\[\d+\])*", part) else part for part in path.split("."))


def _without_indices(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path) if "[" in path else path  # most paths cross no list: no pattern to run


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
