"""What rules may ask beyond a single resource: the policy, other resources, classification."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from residency.catalog import CATALOG, ResourceKind
from residency.catalog.tokens import COMPARTMENT
from residency.inventory import FieldValue, Inventory, Resource, Secret
from residency.oci.ocid import Ocid, find_ocids
from residency.oci.regions import Region

if TYPE_CHECKING:  # the policy package reads the rules' names; the rules only read a policy they are given
    from residency.policy import ResidencyPolicy



class NeedsGraph(Exception):
    """Raised by a context that sees one resource at a time, when the answer depends on other
    resources. An engine that evaluates resources one by one (the Pulumi policy pack's Analyze)
    leaves that rule and resource to its whole-stack pass, which has the graph."""


@dataclass(frozen=True, slots=True)  # slots: one per resource, and a frozen class without them is slow to make
class ClassificationResult:
    level: str  # the effective level
    protected: bool
    reason: str  # how the level was decided, for messages


class RuleContext:
    def __init__(self, policy: ResidencyPolicy, inventory: Inventory | None = None, today: datetime.date | None = None):
        """Without an inventory, the context sees only the resource in hand and raises NeedsGraph
        for anything that depends on other resources. `today` is the day approvals are judged on."""
        self.policy = policy
        self.inventory = inventory
        self.today = today or datetime.date.today()
        # Answers several rules ask of every resource, kept for this evaluation only (by URN, or by
        # the text asked about): classification is asked some four times per resource.
        self._classifications: dict[str, ClassificationResult] = {}
        self._classification_tags: dict[str, FieldValue | None] = {}
        self._levels: dict[str, str | None] = {}
        self._by_level: dict[str, ClassificationResult] = {}
        self._ocids: dict[str, tuple[Ocid, ...]] = {}
        self._outside: dict[str, tuple[Ocid, ...]] = {}
        self._allowed: dict[str, tuple[Region, bool]] = {}
        self._allowed_at: dict[tuple[str, str], tuple[Region, bool]] = {}
        self._kept: dict[str, dict] = {}
        self._tag_key = policy.classification.tag.lower()

    def resource(self, urn: str) -> Resource | None:
        if self.inventory is None:
            raise NeedsGraph(urn)
        return self.inventory.get(urn)

    def sources(self, resource: Resource, top_level: str) -> list[Resource | None]:
        """The resources a property's value comes from (None where they are not in the inventory).
        One resource at a time, where the value came from cannot be told."""
        if self.inventory is None:
            raise NeedsGraph(f"{resource.urn}.{top_level}")
        return [self.inventory.get(urn) for urn in resource.dependencies_of(top_level)]

    # The policy's answers for a region, kept by the region's name (a Region hashes all its fields on
    # every call), each with the region it was asked about: the regions of the table are one object each.

    def allows(self, region: Region) -> bool:
        """`ResidencyPolicy.allows`, once per region: asked of nearly every resource and reference."""
        found = self._allowed.get(region.name)
        if found is None or found[0] is not region:
            found = self._allowed[region.name] = (region, self.policy.allows(region))
        return found[1]

    def allows_at(self, region: Region, level: str) -> bool:
        """`ResidencyPolicy.allows_at`, once per region and level: asked of every protected resource."""
        found = self._allowed_at.get((region.name, level))
        if found is None or found[0] is not region:
            found = self._allowed_at[region.name, level] = (region, self.policy.allows_at(region, level))
        return found[1]

    def kept(self, name: str) -> dict:
        """Where a rule, or a helper several rules share, keeps answers for this evaluation under
        `name`: answers about other resources that many resources ask again (the region of a key
        that many buckets use). They go with the context, so never outlive the inventory."""
        found = self._kept.get(name)
        if found is None:
            found = self._kept[name] = {}
        return found

    def classification(self, resource: Resource) -> ClassificationResult:
        found = self._classifications.get(resource.urn)
        if found is None:
            found = self._classifications[resource.urn] = self._classify(resource)
        return found

    def is_protected(self, resource: Resource) -> bool:
        return self.classification(resource).protected

    def _classify(self, resource: Resource) -> ClassificationResult:
        """A resource's own classification; a mover is also protected when what it moves is."""
        own = self._own_classification(resource)
        if own.protected or CATALOG.mover_sources(resource.token) is None:
            return own
        if self.inventory is None:
            raise NeedsGraph(f"{resource.urn} (the data it moves)")
        self._classifications[resource.urn] = own  # a source that leads back here adds nothing
        return self._moved_data(resource) or own

    def _moved_data(self, resource: Resource) -> ClassificationResult | None:
        """Protected when a source of the data a mover copies is protected, or cannot be shown:
        tagging a mover cannot declassify what it copies."""
        spec = CATALOG.mover_sources(resource.token)
        strictest = self.policy.classification.strictest
        sources: list[tuple[str, str]] = []  # (field or assignment, source URN)
        for field in spec.fields:
            if resource.first(field) is None:
                continue
            found = resource.dependencies_of(field)
            if not found:
                return ClassificationResult(strictest, True, f"treated as {strictest}: it moves data from {field}, which names nothing of this "
                                            "program, so what it copies cannot be shown unprotected")
            sources += [(field, urn) for urn in found]
        if spec.assigned_by is not None:
            assignments = [r for r in self.inventory.resources
                           if r.token == spec.assigned_by and resource.urn in r.dependencies_of(spec.assignment_policy)]
            if not assignments:
                return ClassificationResult(strictest, True, f"treated as {strictest}: it is assigned to nothing this program shows, so what it "
                                            "copies cannot be shown unprotected")
            for assignment in assignments:
                assets = assignment.dependencies_of(spec.assignment_asset)
                if not assets:
                    return ClassificationResult(strictest, True, f"treated as {strictest}: {assignment.name} assigns it an asset from outside "
                                                "this program")
                sources += [(assignment.name, urn) for urn in assets]
        for how, urn in sources:
            source = self.inventory.get(urn)
            if source is None:
                return ClassificationResult(strictest, True, f"treated as {strictest}: it moves data from {how}, which comes from outside "
                                            "this program")
            if source.kind is ResourceKind.REGIONAL and self.is_protected(source):
                return ClassificationResult(self.classification(source).level, True,
                                            f"protected: it moves the data of {source.name}, which is {self.classification(source).reason}")
        return None

    def _own_classification(self, resource: Resource) -> ClassificationResult:
        """The tag decides, unless it names a level that is not protected: then the compartment
        may still make the resource protected."""
        scheme = self.policy.classification
        tag = self.classification_tag(resource)
        if tag is None:
            return ClassificationResult(scheme.strictest, True, f"unclassified, so treated as {scheme.strictest}")
        if not tag.known:
            return ClassificationResult(scheme.strictest, True, f"classification known only after apply, so treated as {scheme.strictest}")
        level = self.level_of(str(tag.value))
        if level is None:
            return ClassificationResult(scheme.strictest, True, f"classification {tag.shown()!r} is no level, so treated as {scheme.strictest}")
        classified = self._classified(level)
        if classified.protected:
            return classified
        compartment = self.protected_compartment(resource)
        if compartment is not None:
            return ClassificationResult(scheme.strictest, True, f"classified {level} but in protected compartment {compartment}")
        if self.policy.protected_compartments and self._compartment_not_shown(resource):
            return ClassificationResult(
                scheme.strictest, True,
                f"classified {level}, but its compartment is known only after apply and may be protected, "
                f"so treated as {scheme.strictest}",
            )
        return classified

    def _classified(self, level: str) -> ClassificationResult:
        """`classified <level>`, by its tag: one result per level, shared by the resources so tagged."""
        found = self._by_level.get(level)
        if found is None:
            found = self._by_level[level] = ClassificationResult(level, self.policy.classification.is_protected(level), f"classified {level}")
        return found

    def _compartment_not_shown(self, resource: Resource) -> bool:
        """A compartment known only after apply that comes from no compartment of the program (another
        stack's output, an encrypted config value): it cannot be shown not to be a protected one."""
        compartment_id = resource.first("compartment_id")
        if compartment_id is None or compartment_id.known:
            return False
        sources = [self.resource(urn) for urn in resource.dependencies_of("compartment_id")]
        return not any(source is not None and source.token == COMPARTMENT for source in sources)

    def classification_tag(self, resource: Resource) -> FieldValue | None:
        """The classification tag's value, or None when the resource has none. OCI compares
        tag namespaces and keys without case."""
        tags = self._classification_tags
        if resource.urn in tags:
            return tags[resource.urn]
        found = tags[resource.urn] = self._read_classification_tag(resource)
        return found

    def _read_classification_tag(self, resource: Resource) -> FieldValue | None:
        written = resource.properties.get("definedTags" if resource.naming == "pulumi" else "defined_tags")
        if type(written) is dict:  # most resources: the map as written, read where it stands (as `first` would)
            return self._tag_among(written, False)
        tags = resource.first("defined_tags")
        if tags is None or not tags.known:
            return tags
        if not isinstance(tags.value, Mapping):
            return None
        return self._tag_among(tags.value, tags.secret)

    def _tag_among(self, tags: Mapping, secret: bool) -> FieldValue | None:
        """The classification tag among a resource's defined tags (`secret`: the map is)."""
        for key, value in tags.items():
            if key.lower() == self._tag_key:
                if isinstance(value, Secret):
                    return FieldValue(f"defined_tags.{key}", value.value, True)
                return FieldValue(f"defined_tags.{key}", value, secret)
        return None

    def level_of(self, tag_value: str) -> str | None:
        """The policy's level a classification tag's value names (`Classification.level_of`),
        read once per distinct value."""
        if tag_value not in self._levels:
            self._levels[tag_value] = self.policy.classification.level_of(tag_value)
        return self._levels[tag_value]

    def ocids_in(self, text: str) -> tuple[Ocid, ...]:
        """The OCIDs in a text (`find_ocids`), parsed once per distinct text: the same compartment,
        key or subnet OCID is written in many resources."""
        found = self._ocids.get(text)
        if found is None:
            found = self._ocids[text] = tuple(find_ocids(text))
        return found

    def ocids_outside(self, text: str) -> tuple[Ocid, ...]:
        """The regional OCIDs in a text whose region the policy does not allow, or whose region part
        is no OCI region (region-less ones, a compartment's or the tenancy's, tie nothing to a
        region), once per distinct text: most OCIDs a program writes are its compartments'."""
        found = self._outside.get(text)
        if found is None:
            found = self._outside[text] = tuple(
                ocid for ocid in self.ocids_in(text)
                if ocid.is_regional and (ocid.region is None or not self.allows(ocid.region))
            )
        return found

    def protected_compartment(self, resource: Resource, _seen: frozenset[str] = frozenset()) -> str | None:
        """The protected compartment (name or OCID) that holds the resource, directly or through
        its parents, as far as the inventory shows."""
        protected = self.policy.protected_compartments
        if not protected or resource.urn in _seen:
            return None
        compartment_id = resource.first("compartment_id")
        if compartment_id is not None and isinstance(compartment_id.value, str) and compartment_id.value in protected:
            return str(compartment_id.value)
        if compartment_id is not None and not compartment_id.known and self.inventory is None:
            raise NeedsGraph(f"{resource.urn}.compartment_id")
        for urn in resource.dependencies_of("compartment_id"):
            compartment = self.resource(urn)
            if compartment is None or compartment.token != COMPARTMENT:
                continue
            name = compartment.first("name")
            if name is not None and name.known and name.value in protected:
                return str(name.value)
            found = self.protected_compartment(compartment, _seen | {resource.urn})
            if found is not None:
                return found
        return None
