"""The access rules' settings in the policy file, and the rules seen one resource at a time
(RuleContext without an inventory, as the Pulumi policy pack's per-resource pass and Checkov see them)."""

import pytest

from residency.catalog import CATALOG
from residency.errors import InputError
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo
from residency.policy import AccessPolicy, load_policy
from residency.rules import NeedsGraph, RuleContext
from residency.rules.any_principal import AnyPrincipalGrant
from residency.rules.dynamic_group_scope import DynamicGroupScope
from residency.rules.exposure import PublicExposure
from residency.rules.region_condition import RegionUnrestrictedGrant

POLICY = """\
version: 1
regions: {allowed: [us-ashburn-1, us-phoenix-1], home: us-ashburn-1}
classification: {tag_namespace: DataGovernance, tag_key: Classification, levels: [public, restricted], protected: [restricted]}
protected_compartments: [us-protected-data]
"""


def policy_with(write, text: str = ""):
    return load_policy(write({"policy.yaml": POLICY + text}) / "policy.yaml")


def resource(name, token, properties, dependencies=None):
    return Resource(f"urn:pulumi:test::p::{token}::{name}", name, token, None, True, properties, "pulumi",
                    property_dependencies=dependencies or {})


def urn(name, token):
    return f"urn:pulumi:test::p::{token}::{name}"


POLICY_TOKEN = "oci:Identity/policy:Policy"
COMPARTMENT = "oci:Identity/compartment:Compartment"


def test_iam_families_cover_their_types_and_the_defaults_are_known_types():
    assert CATALOG.iam_covers("object-family", "buckets") and CATALOG.iam_covers("all-resources", "keys")
    assert not CATALOG.iam_covers("buckets", "object-family") and CATALOG.iam_overlap("buckets", "object-family")
    assert not CATALOG.iam_overlap("instance-images", "object-family")
    assert set(AccessPolicy().data_resources) <= CATALOG.iam_types


def test_access_settings_default_and_read(write):
    default = policy_with(write)
    assert default.access.admin_groups == ("Administrators",)
    assert "object-family" in default.access.data_resources
    policy = policy_with(write, "access:\n  admin_groups: [Default/StorageAdmins, ocid1.group.oc1..aaaa]\n  data_resources: [Buckets, keys]\n")
    assert policy.access.admin_groups == ("Default/StorageAdmins", "ocid1.group.oc1..aaaa")
    assert policy.access.data_resources == ("buckets", "keys")


@pytest.mark.parametrize("text, line, key, message", [
    ("access:\n  admin_groups: ['Default/']\n", 6, "access.admin_groups[0]", "is not a group"),
    ("access:\n  data_resources: [object-familly]\n", 6, "access.data_resources[0]", "is not an IAM resource-type or family"),
    ("access:\n  admins: [x]\n", 6, "access.admins", "unknown key 'admins'"),
])
def test_bad_access_settings_name_the_line_and_key(write, text, line, key, message):
    with pytest.raises(InputError) as caught:
        policy_with(write, text)
    assert (caught.value.line, caught.value.key) == (line, key)
    assert message in caught.value.message


def test_statements_are_read_without_an_inventory(write):
    context = RuleContext(policy_with(write))
    policy = resource("p", POLICY_TOKEN, {"statements": ["Allow any-user to read buckets in compartment us-protected-data"]})
    (violation,) = AnyPrincipalGrant().check(policy, context)
    assert violation.path == "statements[0]" and violation.proven


def test_a_statement_known_only_after_apply_is_unproven_alone_and_with_the_inventory(write):
    policy = resource("p", POLICY_TOKEN, {"statements": [UNKNOWN]}, {"statements": (urn("c", COMPARTMENT),)})
    (alone,) = AnyPrincipalGrant().check(policy, RuleContext(policy_with(write)))
    inventory = Inventory(SourceInfo("test", "."), [policy])
    (whole,) = AnyPrincipalGrant().check(policy, RuleContext(policy_with(write), inventory))
    assert not whole.proven and "known only after apply" in whole.message
    assert (alone.path, alone.message, alone.proven) == (whole.path, whole.message, whole.proven)


def test_a_parent_of_the_protected_compartment_is_found_through_the_inventory(write):
    parent = resource("parent", COMPARTMENT, {"name": "data", "compartmentId": "ocid1.tenancy.oc1..aaaa"})
    child = resource("child", COMPARTMENT, {"name": "us-protected-data", "compartmentId": UNKNOWN},
                     {"compartmentId": (parent.urn,)})
    policy = resource("p", POLICY_TOKEN, {"statements": ["Allow group Ops to manage buckets in compartment data"]})
    alone = RuleContext(policy_with(write))
    assert list(RegionUnrestrictedGrant().check(policy, alone)) == []
    whole = RuleContext(policy_with(write), Inventory(SourceInfo("test", "."), [parent, child, policy]))
    (violation,) = RegionUnrestrictedGrant().check(policy, whole)
    assert "reaching the protected compartment us-protected-data" in violation.message


def test_a_preauthenticated_request_waits_for_the_inventory_to_know_its_bucket(write):
    # The bucket's classification decides; one resource at a time, which bucket it is cannot be told.
    named = resource("par", "oci:ObjectStorage/preauthrequest:Preauthrequest", {"bucket": "elsewhere"})
    with pytest.raises(NeedsGraph):
        list(PublicExposure().check(named, RuleContext(policy_with(write))))
    whole = RuleContext(policy_with(write), Inventory(SourceInfo("test", "."), [named]))
    (violation,) = PublicExposure().check(named, whole)
    assert "bucket elsewhere" in violation.message


def test_a_public_bucket_classified_public_is_not_exposure(write):
    context = RuleContext(policy_with(write))
    public = resource("brochures", "oci:ObjectStorage/bucket:Bucket",
                      {"accessType": "ObjectRead", "definedTags": {"DataGovernance.Classification": "public"}})
    assert list(PublicExposure().check(public, context)) == []


def test_a_dynamic_group_is_judged_by_its_rule_alone_without_an_inventory(write):
    context = RuleContext(load_policy(write({"p.yaml": POLICY.replace("[us-protected-data]", "[ocid1.compartment.oc1..prot]")}) / "p.yaml"))
    group = resource("dg", "oci:Identity/dynamicGroup:DynamicGroup", {
        "name": "dg", "matchingRule": "ANY {instance.compartment.id = 'ocid1.compartment.oc1..prot', resource.type = 'fnfunc'}"})
    (violation,) = DynamicGroupScope().check(group, context)
    assert "resource.type = 'fnfunc'" in violation.message
    computed = resource("dg", "oci:Identity/dynamicGroup:DynamicGroup", {"name": "dg", "matchingRule": UNKNOWN},
                        {"matchingRule": (urn("c", COMPARTMENT),)})
    with pytest.raises(NeedsGraph):  # what it is computed from needs the other resources
        list(DynamicGroupScope().check(computed, context))
