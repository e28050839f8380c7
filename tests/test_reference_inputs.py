"""What a dependency proves as an input is kept once per evaluation, but a dependency whose region
cannot be shown proves something different to each resource that takes it: the same region through
the same provider, nothing through another. Whichever resource asks first, each gets its own answer."""

import pytest
from conftest import REPO

from residency.inventory import Inventory, RegionResolution, RegionSource, Resource, SourceInfo
from residency.inventory.values import UNKNOWN
from residency.policy import load_policy
from residency.rules.context import RuleContext
from residency.rules.foreign_reference import ForeignReference
from residency.rules.inputs import Verdict, inputs_of

POLICY = load_policy(REPO / "policies" / "residency.yaml")
TAGS = {"DataGovernance.Classification": "restricted"}


def _unresolved(provider: str) -> RegionResolution:
    return RegionResolution(RegionSource.UNRESOLVED, provider=provider, reason="the provider's region is not set")


def _inventory() -> Inventory:
    key = Resource(urn="oci_kms_key.k", name="oci_kms_key.k", token="oci:Kms/key:Key", terraform_type="oci_kms_key",
                   custom=True, naming="terraform", properties={"defined_tags": TAGS}, region=_unresolved("oci.a"),
                   provider="oci.a")
    buckets = [
        Resource(urn=f"oci_objectstorage_bucket.{name}", name=f"oci_objectstorage_bucket.{name}",
                 token="oci:ObjectStorage/bucket:Bucket", terraform_type="oci_objectstorage_bucket", custom=True,
                 naming="terraform", properties={"defined_tags": TAGS, "kms_key_id": UNKNOWN},
                 region=_unresolved(provider), provider=provider, property_dependencies={"kms_key_id": (key.urn,)})
        for name, provider in (("same", "oci.a"), ("other", "oci.b"))
    ]
    return Inventory(SourceInfo("terraform-plan", "plan.json"), [key, *buckets])


@pytest.mark.parametrize("order", [("same", "other"), ("other", "same")])
def test_a_key_whose_region_cannot_be_shown_proves_the_region_only_through_the_same_provider(order):
    inventory = _inventory()
    context = RuleContext(POLICY, inventory)
    answers = {name: inputs_of(inventory.get(f"oci_objectstorage_bucket.{name}"), "kms_key_id", context) for name in order}
    assert [(i.name, i.verdict, i.where) for i in answers["same"]] == [
        ("oci_kms_key.k", Verdict.SAME_REGION, "the region of oci_objectstorage_bucket.same, through the same provider")]
    assert [(i.name, i.verdict, i.where) for i in answers["other"]] == [
        ("oci_kms_key.k", Verdict.UNPROVEN, "a region that cannot be shown")]


def test_only_the_resource_through_another_provider_has_an_unproven_reference():
    inventory = _inventory()
    context = RuleContext(POLICY, inventory)
    rule = ForeignReference()
    found = {resource.urn: [v.message for v in rule.check(resource, context)] for resource in inventory.resources}
    assert found == {
        "oci_kms_key.k": [],
        "oci_objectstorage_bucket.same": [],
        "oci_objectstorage_bucket.other": [
            ("kms_key_id is known only after apply and may come from any of: oci_kms_key.k (a region that cannot be "
             "shown); not every one of them is shown to be in an allowed region")],
    }
