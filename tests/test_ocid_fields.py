"""The fields that take an OCID under a name not ending in `_id` (oci_types.yaml `ocid_fields`;
tests/test_catalog.py checks them against pulumi-oci's descriptions): RES003 asks a value known only
after apply there to prove its region, in either naming, and nested_blocks.json lists them."""

import datetime
import importlib.resources
import json

from ruamel.yaml import YAML

from residency.catalog import CATALOG
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo
from residency.policy import BUILTIN, load_policy
from residency.rules import RuleContext
from residency.rules.foreign_reference import ForeignReference

OCID_FIELDS = YAML(typ="safe").load(
    importlib.resources.files("residency.catalog").joinpath("oci_types.yaml").read_text())["ocid_fields"]
LISTED = [(token, path) for token, paths in sorted(OCID_FIELDS.items()) for path in paths]


def _findings(resource: Resource) -> list[tuple[str, bool]]:
    inventory = Inventory(SourceInfo("terraform-plan", "plan.json"), [resource])
    context = RuleContext(load_policy(BUILTIN), inventory, datetime.date(2026, 12, 1))
    return [(v.message, v.proven) for v in ForeignReference().check(resource, context)]


def _terraform_resource(token: str, terraform_type: str, properties: dict) -> Resource:
    return Resource(urn=f"{terraform_type}.this", name=f"{terraform_type}.this", token=token,
                    terraform_type=terraform_type, custom=True, properties=properties, naming="terraform")


def test_an_unknown_ldap_connector_of_a_mount_target_in_a_plan_is_unproven():
    resource = _terraform_resource(
        "oci:FileStorage/mountTarget:MountTarget", "oci_file_storage_mount_target",
        {"compartment_id": "ocid1.compartment.oc1..aaaa", "subnet_id": "ocid1.subnet.oc1.iad.aaaa",
         "ldap_idmap": [{"outbound_connector1id": UNKNOWN, "outbound_connector2id": "ocid1.outboundconnector.oc1.iad.aaaa"}]})
    message = ("ldap_idmap[0].outbound_connector1id is known only after apply and comes from no OCI resource of "
               "this program, so the region of what it names cannot be shown")
    assert _findings(resource) == [(message, False)]


def test_a_block_known_only_after_apply_stands_for_its_ocid_fields_of_any_name():
    resource = _terraform_resource("oci:FileStorage/mountTarget:MountTarget", "oci_file_storage_mount_target",
                                   {"compartment_id": "ocid1.compartment.oc1..aaaa", "ldap_idmap": UNKNOWN})
    ((message, proven),) = _findings(resource)
    assert "ldap_idmap (a block that may hold outbound_connector1id, outbound_connector2id" in message and not proven


def test_a_field_in_terraform_s_singular_name_is_read_too():
    """The bridge pluralized a private endpoint's `nsg_id_list`; a plan spells it as Terraform does."""
    resource = _terraform_resource(
        "oci:ResourceManager/privateEndpoint:PrivateEndpoint", "oci_resourcemanager_private_endpoint",
        {"compartment_id": "ocid1.compartment.oc1..aaaa", "nsg_id_list": [UNKNOWN]})
    assert [proven for _, proven in _findings(resource)] == [False]


def test_the_nested_blocks_table_lists_only_fields_that_take_an_ocid():
    """scripts/generate_nested_blocks.py reads `not_ocid_fields` and `ocid_fields`: RES003 takes the
    table's references as they are."""
    blocks = json.loads(importlib.resources.files("residency.catalog").joinpath("nested_blocks.json").read_text())["blocks"]
    listed = {(token, f"{block}.{reference}") for token, found in blocks.items()
              for block, entry in found.items() for reference in entry["references"]}
    assert {(t, p) for t, p in listed if CATALOG.takes_no_ocid(t, p)} == set()
    assert {(t, p) for t, p in LISTED if "." in p} <= listed
    assert "event_settings" not in blocks.get("oci:Identity/domainsNotificationSetting:DomainsNotificationSetting", {})
