"""RES007: a resource type the catalogue does not know is reported, so that nobody takes it as
fully checked: only its region was."""

from __future__ import annotations

from collections.abc import Iterable

from residency.catalog import CATALOG, ResourceKind
from residency.enforcement import Level, Severity
from residency.inventory import Resource
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext


class UncataloguedType(ResourceRule):
    meta = RuleMeta(
        id="RES007",
        name="uncatalogued-type",
        title="Resource types the catalogue does not know are named",
        severity=Severity.LOW,
        rationale=(
            "The catalogue says, for each OCI resource type, which of its fields move data to another "
            "region, name a key or a peer, or take a region-less ID. A type newer than the catalogue is "
            "checked for its region (RES001) and its literal OCIDs (RES003), but a field through which it "
            "copies data elsewhere would go unseen: the report says so rather than implying a full check."
        ),
        remediation=(
            "Review the type's fields against terraform-provider-oci and add what moves data to the "
            "catalogue (src/residency/catalog/oci_types.yaml), or upgrade to a release that knows it."
        ),
        applies_to="OCI resource types newer than the catalogue (pulumi-oci 5.5.0 / its Terraform types)",
        default_level=Level.ADVISORY,
        tags=("residency", "catalogue"),
    )

    def reports_on_type(self, token: str) -> bool:
        return not CATALOG.knows(token)

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.kind is ResourceKind.NOT_OCI or CATALOG.knows(resource.token):
            return
        shown = resource.terraform_type or resource.token
        yield Violation(
            resource,
            f"type not in the catalogue: {shown} was checked for region only",
            (Evidence(resource.name, "is a", shown), Evidence("the catalogue", "does not know", shown)),
        )
