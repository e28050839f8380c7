"""RES001: every resource is in an allowed region; IAM only in the home region."""

from __future__ import annotations

from collections.abc import Iterable

from residency.catalog import ResourceKind
from residency.enforcement import Severity
from residency.inventory import RegionSource, Resource
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.evidence import classification_evidence, region_evidence


class ResourceRegion(ResourceRule):
    meta = RuleMeta(
        id="RES001",
        name="resource-region",
        title="Resources stay in the allowed regions",
        severity=Severity.CRITICAL,
        rationale=(
            "A resource's region is where OCI stores and processes its data. Protected data may only "
            "live in the allowed regions. IAM (compartments, groups, policies, tags) is global and kept "
            "in the tenancy's home region, so it must be managed there, and the home region itself must "
            "be allowed. A region that cannot be determined before deployment cannot be shown compliant."
        ),
        remediation=(
            "Create the resource through an explicit provider (`oci.Provider(..., region=...)`) whose "
            "region is one of the allowed regions; create identity resources through the home-region "
            "provider. Set the region in code or in the stack config (`oci:region`), never from the "
            "environment (OCI_REGION, ~/.oci/config, instance metadata)."
        ),
        applies_to="every OCI resource whose classification is protected; identity resources always",
        tags=("residency", "region"),
    )

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        kind = resource.kind
        if kind is ResourceKind.NOT_OCI or resource.region is None:
            return
        identity = kind is ResourceKind.IDENTITY
        classification = None if identity else context.classification(resource)
        if classification is not None and not classification.protected:
            return
        resolution = resource.region
        if resolution.region is None:
            if resolution.source is RegionSource.UNRESOLVED:
                yield Violation(
                    resource, f"the region cannot be determined: {resolution.reason}", region_evidence(resource), proven=False,
                    origins=resolution.origins,
                )
            else:
                yield Violation(resource, f"{resolution.reason}: {resolution.shown!r}", region_evidence(resource),
                                origins=resolution.origins)
            return
        home = context.policy.home_region
        if identity:
            if resolution.region != home:
                yield Violation(
                    resource,
                    f"identity resource managed through {resolution.shown}, not the home region {home.name}: "
                    "IAM is global and lives in the home region",
                    region_evidence(resource),
                    origins=resolution.origins,
                )
        elif not context.allows(resolution.region):
            yield Violation(
                resource,
                f"in {resolution.shown}, outside the allowed regions",
                (*region_evidence(resource), classification_evidence(resource, context)),
                origins=resolution.origins,
            )
        elif not context.allows_at(resolution.region, level := classification.level):
            regions = ", ".join(r.name for r in context.policy.controls_for(level).regions or ())
            yield Violation(
                resource,
                f"in {resolution.shown}, outside the regions allowed for {level} data ({regions}; controls.{level}.regions)",
                (*region_evidence(resource), classification_evidence(resource, context)),
            )

    def check_stack(self, context: RuleContext) -> Iterable[Violation]:
        home = context.policy.home_region
        if not context.allows(home):
            yield Violation(
                None,
                f"the home region {home.name} is not an allowed region, yet OCI keeps all IAM data "
                "(users, groups, policies, compartments, tags) there",
                (Evidence("the tenancy", "has home region", home.name),),
            )
