"""The `*_id` fields that take no OCID (oci_types.yaml `not_ocid_fields`): each is a field of its
pulumi-oci type, and RES003 asks no proof of a region for them, in either naming."""

import datetime
import importlib.resources

import pytest
from ruamel.yaml import YAML

from residency.export.terraform_schema import Field, input_fields
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo
from residency.policy import BUILTIN, load_policy
from residency.rules import RuleContext
from residency.rules.foreign_reference import ForeignReference

NOT_OCID = YAML(typ="safe").load(
    importlib.resources.files("residency.catalog").joinpath("oci_types.yaml").read_text())["not_ocid_fields"]
LISTED = [(token, path) for token, paths in sorted(NOT_OCID.items()) for path in paths]


def _field(fields: dict[str, Field], path: str) -> Field | None:
    head, _, rest = path.partition(".")
    found = next((f for f in fields.values() if f.python_name == head), None)
    if found is None or not rest:
        return found
    return _field(found.nested_fields(), rest)


@pytest.mark.parametrize("token, path", LISTED, ids=[f"{t.split(':')[-1]}.{p}" for t, p in LISTED])
def test_every_listed_field_is_an_id_field_of_its_type(token, path):
    field = _field(input_fields(token) or {}, path)
    assert field is not None, f"{token} has no input {path}"
    assert field.nested is None and field.python_name.endswith(("_id", "_ids")), f"{token}.{path} is no *_id value"


def _unproven(resource: Resource) -> list[str]:
    inventory = Inventory(SourceInfo("terraform-plan", "plan.json"), [resource])
    context = RuleContext(load_policy(BUILTIN), inventory, datetime.date(2026, 12, 1))
    return [v.message for v in ForeignReference().check(resource, context)]


def _terraform_resource(token: str, terraform_type: str, properties: dict) -> Resource:
    return Resource(urn=f"{terraform_type}.this", name=f"{terraform_type}.this", token=token,
                    terraform_type=terraform_type, custom=True, properties=properties, naming="terraform")


def test_an_unknown_identity_domain_event_id_in_a_plan_is_no_finding():
    token = "oci:Identity/domainsNotificationSetting:DomainsNotificationSetting"
    for events in ([{"event_id": UNKNOWN, "enabled": True}], UNKNOWN):  # a field known only after apply, a dynamic block
        resource = _terraform_resource(token, "oci_identity_domains_notification_setting",
                                       {"event_settings": events, "external_id": UNKNOWN})
        assert _unproven(resource) == []


def test_a_block_known_only_after_apply_stands_for_its_ocid_fields_only():
    resource = _terraform_resource("oci:CloudGuard/target:Target", "oci_cloud_guard_target",
                                   {"compartment_id": "ocid1.compartment.oc1..aaaa", "target_detector_recipes": UNKNOWN})
    (message,) = _unproven(resource)
    assert "a block that may hold detector_recipe_id, detector_rules.data_source_id," in message
    assert "detector_rule_id" not in message
