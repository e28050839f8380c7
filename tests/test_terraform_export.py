"""`residency export --format terraform-plan`: a Pulumi program's inventory as a Terraform plan,
in Terraform's names and shapes, read back by the plan source and by Checkov's own checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from checkov_support import needs_checkov, run_checkov
from conftest import FIXTURES
from test_rule_fixtures import CASES, evaluate_fixture

from residency.catalog import CATALOG
from residency.engine import evaluate
from residency.export.terraform_plan import export_plan, other_terraform_type
from residency.export.terraform_schema import FieldKind, input_fields
from residency.inventory import UNKNOWN, Inventory, RegionResolution, RegionSource, Resource, Secret, SourceInfo
from residency.oci.regions import lookup_region
from residency.policy import load_policy
from residency.sources.pulumi_project import load_project, load_stack_config
from residency.sources.terraform_plan import load_plan

STACK = "urn:pulumi:test::p::pulumi:pulumi:Stack::p-test"


def urn(token: str, name: str, parents: str = "") -> str:
    return f"urn:pulumi:test::p::{parents}{token}::{name}"


def resource(token: str, name: str, properties: dict, *, provider: str | None = None, parent: str | None = None,
             dependencies: dict | None = None, parents: str = "") -> Resource:
    region = RegionResolution(RegionSource.EXPLICIT_PROVIDER if provider else RegionSource.DEFAULT_PROVIDER,
                              lookup_region("us-ashburn-1"), "us-ashburn-1", provider)
    return Resource(urn=urn(token, name, parents), name=name, token=token, terraform_type=CATALOG.terraform_type(token),
                    custom=True, properties=properties, naming="pulumi", region=region, parent=parent,
                    provider=provider, property_dependencies=dependencies or {})


def export(*resources: Resource, default_region="us-ashburn-1") -> dict:
    inventory = Inventory(SourceInfo("pulumi-program", "p", "p", "test", STACK), list(resources))
    return export_plan(inventory, default_region).document


def planned(document: dict, address: str) -> dict:
    modules = [document["planned_values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for entry in module["resources"]:
            if entry["address"] == address:
                return entry
    raise KeyError(address)


def change(document: dict, address: str) -> dict:
    return next(c["change"] for c in document["resource_changes"] if c["address"] == address)


MYSQL = "oci:Mysql/mysqlDbSystem:MysqlDbSystem"
BUCKET = "oci:ObjectStorage/bucket:Bucket"


def test_attributes_take_terraform_names_and_shapes():
    document = export(resource(MYSQL, "orders", {
        "compartmentId": "ocid1.compartment.oc1..aaaa",
        "definedTags": {"DataGovernance.Classification": "restricted"},  # a map: keys are data
        "isIpv6enabled": False,
        "nsgIds": ["ocid1.nsg.oc1.iad.a"],  # a list of values
        "backupPolicy": {"isEnabled": True, "copyPolicies": [{"copyToRegion": "us-phoenix-1"}]},  # one-item block
        "deletionPolicies": [{"finalBackup": "SKIP_FINAL_BACKUP"}],  # pluralized by the bridge
    }))
    values = planned(document, "oci_mysql_mysql_db_system.orders")["values"]
    assert values == {
        "compartment_id": "ocid1.compartment.oc1..aaaa",
        "defined_tags": {"DataGovernance.Classification": "restricted"},
        "is_ipv6enabled": False,
        "nsg_ids": ["ocid1.nsg.oc1.iad.a"],
        "backup_policy": [{"is_enabled": True, "copy_policies": [{"copy_to_region": "us-phoenix-1"}]}],
        "deletion_policy": [{"final_backup": "SKIP_FINAL_BACKUP"}],
    }


def test_unknown_values_are_marked_after_unknown_and_secrets_after_sensitive():
    document = export(resource(BUCKET, "data", {
        "namespace": "ns",
        "kmsKeyId": UNKNOWN,
        "metadata": Secret({"owner": "finance"}),
        "retentionRules": [{"displayName": "keep", "duration": {"timeAmount": UNKNOWN, "timeUnit": "DAYS"}}],
    }))
    entry = change(document, "oci_objectstorage_bucket.data")
    assert entry["after"] == {"namespace": "ns", "metadata": {"owner": "finance"},
                              "retention_rules": [{"display_name": "keep", "duration": [{"time_unit": "DAYS"}]}]}
    assert entry["after_unknown"] == {"kms_key_id": True, "retention_rules": [{"duration": [{"time_amount": True}]}]}
    assert entry["after_sensitive"] == {"metadata": True}
    assert entry["actions"] == ["create"] and entry["before"] is None


def test_providers_carry_their_region_and_alias():
    provider = Resource(urn=urn("pulumi:providers:oci", "phoenix"), name="phoenix", token="pulumi:providers:oci",
                        terraform_type=None, custom=True, properties={"region": "us-phoenix-1"}, naming="pulumi")
    secret = Resource(urn=urn("pulumi:providers:oci", "dr"), name="dr", token="pulumi:providers:oci",
                      terraform_type=None, custom=True, properties={"region": Secret(UNKNOWN)}, naming="pulumi")
    document = export(
        provider, secret,
        resource(BUCKET, "primary", {"namespace": "ns"}),
        resource(BUCKET, "replica", {"namespace": "ns"}, provider=provider.urn),
        resource(BUCKET, "hidden", {"namespace": "ns"}, provider=secret.urn),
        default_region="IAD",
    )
    assert document["configuration"]["provider_config"] == {
        "oci": {"name": "oci", "full_name": "registry.terraform.io/oracle/oci",
                "expressions": {"region": {"constant_value": "IAD"}}},
        "oci.phoenix": {"name": "oci", "full_name": "registry.terraform.io/oracle/oci", "alias": "phoenix",
                        "expressions": {"region": {"constant_value": "us-phoenix-1"}}},
        "oci.dr": {"name": "oci", "full_name": "registry.terraform.io/oracle/oci", "alias": "dr",
                   "expressions": {"region": {}}},  # an encrypted secret: no constant to read
    }
    keys = {r["name"]: r["provider_config_key"] for r in document["configuration"]["root_module"]["resources"]}
    assert keys == {"primary": "oci", "replica": "oci.phoenix", "hidden": "oci.dr"}


def test_components_become_modules_and_references_follow_values():
    component = Resource(urn=urn("app:index:Storage", "storage"), name="storage", token="app:index:Storage",
                         terraform_type=None, custom=False, properties={}, naming="pulumi")
    key = resource("oci:Kms/key:Key", "key", {"displayName": "k"})
    bucket = resource(BUCKET, "data", {"namespace": "ns", "kmsKeyId": UNKNOWN}, parent=component.urn,
                      parents="app:index:Storage$", dependencies={"kmsKeyId": (key.urn,)})
    log = resource("oci:Logging/logGroup:LogGroup", "logs", {"displayName": "l"}, parent=component.urn,
                   parents="app:index:Storage$")
    document = export(component, key, bucket, log)
    child = document["planned_values"]["root_module"]["child_modules"]
    assert [(m["address"], [r["address"] for r in m["resources"]]) for m in child] == [
        ("module.storage", ["module.storage.oci_objectstorage_bucket.data", "module.storage.oci_logging_log_group.logs"])
    ]
    call = document["configuration"]["root_module"]["module_calls"]["storage"]
    config = next(r for r in call["module"]["resources"] if r["name"] == "data")
    # across modules Terraform would route the value through a variable: written absolute
    assert config["expressions"]["kms_key_id"] == {"references": ["oci_kms_key.key.id", "oci_kms_key.key"]}
    assert config["expressions"]["namespace"] == {"constant_value": "ns"}


def test_resources_of_other_providers_are_exported_with_their_type_provider_and_references(tmp_path):
    """Every resource of the program reaches the plan: a command, another cloud's resource through an
    explicit provider, another stack's outputs. Each keeps its Pulumi type, which the plan source
    reads back, and the values it takes from others stay references."""
    aws = Resource(urn=urn("pulumi:providers:aws", "eu"), name="eu", token="pulumi:providers:aws", terraform_type=None,
                   custom=True, properties={"region": "eu-central-1"}, naming="pulumi")
    bucket = resource(BUCKET, "data", {"namespace": "ns"})
    shared = Resource(urn=urn("pulumi:pulumi:StackReference", "platform/keys/prod"), name="platform/keys/prod",
                      token="pulumi:pulumi:StackReference", terraform_type=None, custom=True,
                      properties={"name": "platform/keys/prod"}, naming="pulumi")
    copy = Resource(urn=urn("command:local:Command", "copy-out"), name="copy-out", token="command:local:Command",
                    terraform_type=None, custom=True, properties={"create": UNKNOWN}, naming="pulumi",
                    property_dependencies={"create": (bucket.urn,)}, dependencies=(bucket.urn, shared.urn))
    mirror = Resource(urn=urn("aws:s3/bucketObjectv2:BucketObjectv2", "mirror"), name="mirror",
                      token="aws:s3/bucketObjectv2:BucketObjectv2", terraform_type=None, custom=True,
                      properties={"bucket": "m", "sourceHash": UNKNOWN}, naming="pulumi", provider=aws.urn,
                      property_dependencies={"sourceHash": (bucket.urn,)})
    keyed = resource(BUCKET, "keyed", {"namespace": "ns", "kmsKeyId": UNKNOWN}, dependencies={"kmsKeyId": (shared.urn,)})
    document = export(aws, bucket, shared, copy, mirror, keyed)
    configs = {r["address"]: r for r in document["configuration"]["root_module"]["resources"]}
    assert {address: (c["pulumi_type"], c["provider_config_key"]) for address, c in configs.items()} == {
        "oci_objectstorage_bucket.data": (BUCKET, "oci"),
        "pulumi_stack_reference.platform_keys_prod": ("pulumi:pulumi:StackReference", "pulumi"),
        "pulumi_command_local_command.copy-out": ("command:local:Command", "command"),
        "pulumi_aws_s3_bucket_objectv2.mirror": ("aws:s3/bucketObjectv2:BucketObjectv2", "aws.eu"),
        "oci_objectstorage_bucket.keyed": (BUCKET, "oci"),
    }
    # OCI's configurations come first: Checkov runs provider checks on a plan's first one only
    assert list(document["configuration"]["provider_config"].items()) == [
        ("oci", {"name": "oci", "full_name": "registry.terraform.io/oracle/oci",
                 "expressions": {"region": {"constant_value": "us-ashburn-1"}}}),
        ("pulumi", {"name": "pulumi", "full_name": "pulumi:providers:pulumi"}),
        ("command", {"name": "command", "full_name": "pulumi:providers:command"}),
        ("aws.eu", {"name": "aws", "full_name": "pulumi:providers:aws", "alias": "eu"}),
    ]
    copy_config = configs["pulumi_command_local_command.copy-out"]
    assert copy_config["expressions"]["create"] == {"references": ["oci_objectstorage_bucket.data.id",
                                                                   "oci_objectstorage_bucket.data"]}
    assert copy_config["depends_on"] == ["pulumi_stack_reference.platform_keys_prod"]
    assert change(document, "pulumi_command_local_command.copy-out")["after_unknown"] == {"create": True}
    assert planned(document, "pulumi_aws_s3_bucket_objectv2.mirror")["provider_name"] == "pulumi:providers:aws"

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    back = load_plan(path)
    assert {r.name: r.token for r in back.resources} == {
        "oci_objectstorage_bucket.data": BUCKET,
        "pulumi_stack_reference.platform_keys_prod": "pulumi:pulumi:StackReference",
        "pulumi_command_local_command.copy-out": "command:local:Command",
        "pulumi_aws_s3_bucket_objectv2.mirror": "aws:s3/bucketObjectv2:BucketObjectv2",
        "oci_objectstorage_bucket.keyed": BUCKET,
    }
    read = {r.name: r for r in back.resources}
    assert read["oci_objectstorage_bucket.keyed"].dependencies_of("kms_key_id") == (
        "pulumi_stack_reference.platform_keys_prod",)
    assert read["pulumi_command_local_command.copy-out"].region is None


@pytest.mark.parametrize(("token", "terraform_type"), [
    ("command:local:Command", "pulumi_command_local_command"),
    ("random:index/randomId:RandomId", "pulumi_random_random_id"),
    ("pulumi:pulumi:StackReference", "pulumi_stack_reference"),
    ("pulumi-python:dynamic:Resource", "pulumi_python_dynamic_resource"),
    ("aws:s3/bucket:Bucket", "pulumi_aws_s3_bucket"),  # never Terraform's aws_s3_bucket: its checks expect its shapes
    ("kubernetes:apps/v1:Deployment", "pulumi_kubernetes_apps_v1_deployment"),
    ("oci:Foo/barBaz:BarBaz", "oci_foo_bar_baz"),  # newer than the catalogue: its provider's region applies
])
def test_types_without_a_terraform_type_get_one_no_provider_uses(token, terraform_type):
    assert other_terraform_type(token) == terraform_type


@pytest.mark.parametrize(("terraform_type", "written", "token"), [
    ("pulumi_command_local_command", "command:local:Command", "command:local:Command"),
    ("oci_core_ipv6", "oci:Core/ipv6:Ipv6", "oci:Core/ipv6:Ipv6"),  # newer than the catalogue
    ("oci_objectstorage_bucket", "command:local:Command", BUCKET),  # a known type keeps its own token
    ("pulumi_command_local_command", BUCKET, ""),  # another provider's type cannot pass for OCI's
    ("oci_core_ipv6", "command:local:Command", ""),  # nor an OCI type for another provider's
])
def test_the_plan_source_takes_a_pulumi_type_only_where_it_fits(tmp_path, terraform_type, written, token):
    address = f"{terraform_type}.x"
    document = {
        "format_version": "1.2", "terraform_version": "1.9.8", "variables": {},
        "planned_values": {"root_module": {"resources": [
            {"address": address, "mode": "managed", "type": terraform_type, "name": "x", "values": {}}]}},
        "resource_changes": [],
        "configuration": {"provider_config": {}, "root_module": {"resources": [
            {"address": address, "mode": "managed", "type": terraform_type, "name": "x", "pulumi_type": written,
             "expressions": {}}]}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    (read,) = load_plan(path).resources
    assert read.token == token


def test_names_become_terraform_identifiers_unique_per_type():
    document = export(resource(BUCKET, "2024 data", {"namespace": "a"}),
                      resource(BUCKET, "2024.data", {"namespace": "b"}, parents="x$"),
                      resource(BUCKET, "to-frankfurt", {"namespace": "c"}))
    addresses = [r["address"] for r in document["planned_values"]["root_module"]["resources"]]
    assert addresses == ["oci_objectstorage_bucket._2024_data", "oci_objectstorage_bucket._2024_data_2",
                         "oci_objectstorage_bucket.to-frankfurt"]


def test_renamed_inputs_exist_in_pulumi_oci_as_lists_and_are_singulars_of_their_names():
    for token, renames in CATALOG.terraform_renamed.items():
        for path, terraform in renames.items():
            fields, field = input_fields(token), None
            for segment in path.split("."):
                field = next(f for f in fields.values() if f.python_name == segment)
                fields = field.nested_fields()
            assert field.kind in (FieldKind.LIST, FieldKind.BLOCKS), f"{token} {path}"
            plural = path.rsplit(".", 1)[-1]
            assert plural in {terraform + "s", terraform + "es", re.sub("y$", "ies", terraform)}, f"{token} {path}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_the_plan_source_reads_back_what_the_program_gives(case: Path, tmp_path):
    """Exported and read back, a program gives the same findings: same rule, resource, level and
    provability, the property at fault in Terraform's shape (a one-item block is a list)."""
    report = evaluate_fixture(case)
    config = load_stack_config(load_project(case), "test")
    plan = export_plan(report.inventory, config.get("oci:region"), config.get("oci:auth"))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.document))
    back = evaluate(load_plan(path), report.policy)
    names = {plan.addresses[r.urn]: r.name for r in report.inventory.resources if r.urn in plan.addresses}
    stack = {back.inventory.source.path: report.inventory.source.stack_urn}

    def shown(findings, rename):
        return sorted((f.rule.id, rename(f.resource), re.sub(r"\[0\]", "", f.path or ""), f.level, f.proven) for f in findings)

    assert shown(back.findings, lambda r: names.get(r.name, stack.get(r.urn))) == shown(
        report.findings, lambda r: r.name if r.urn != report.inventory.source.stack_urn else r.urn
    )


@needs_checkov
def test_checkovs_own_oci_checks_see_the_right_attributes(tmp_path):
    program = FIXTURES / "exports" / "hardening"
    from residency.cli.export import export_program

    (tmp_path / "hardening.json").write_text(json.dumps(export_program(program, "test")))
    result = run_checkov("--directory", str(tmp_path), "--framework", "terraform_plan")
    buckets = {check: result.verdicts(check) for check in ("CKV_OCI_7", "CKV_OCI_8", "CKV_OCI_9", "CKV_OCI_10")}
    assert buckets == {
        "CKV_OCI_7": {"oci_objectstorage_bucket.hardened": True, "oci_objectstorage_bucket.exposed": False,
                      "oci_objectstorage_bucket.keyed": False},
        "CKV_OCI_8": {"oci_objectstorage_bucket.hardened": True, "oci_objectstorage_bucket.exposed": False,
                      "oci_objectstorage_bucket.keyed": False},
        # a key the program creates is known only after apply; the reference shows one is set
        "CKV_OCI_9": {"oci_objectstorage_bucket.hardened": True, "oci_objectstorage_bucket.exposed": False,
                      "oci_objectstorage_bucket.keyed": True},
        "CKV_OCI_10": {"oci_objectstorage_bucket.hardened": True, "oci_objectstorage_bucket.exposed": False,
                       "oci_objectstorage_bucket.keyed": True},
    }
    # one-item blocks (instance_options, launch_options, agent_config) as one-element lists
    instances = {check: result.verdicts(check) for check in ("CKV_OCI_4", "CKV_OCI_5", "CKV_OCI_6")}
    expected = {"oci_core_instance.hardened-vm": True, "oci_core_instance.legacy-vm": False}
    assert instances == {check: expected for check in instances}
    assert result.parsing_errors == ()


def test_what_the_program_only_reads_becomes_a_data_block_of_each_module_that_refers_to_it(tmp_path):
    """A resource the program only reads (`Key.get`, another stack's outputs) is no resource of the
    plan, so neither Checkov nor the plan source judges it; a value taken from it refers to a data
    block of the taking resource's module, which the plan source places as Terraform would."""
    fra = Resource(urn=urn("pulumi:providers:oci", "fra"), name="fra", token="pulumi:providers:oci", terraform_type=None,
                   custom=True, properties={"region": "eu-frankfurt-1"}, naming="pulumi")
    in_fra = RegionResolution(RegionSource.EXPLICIT_PROVIDER, lookup_region("eu-frankfurt-1"), "eu-frankfurt-1", fra.urn)
    key = Resource(urn=urn("oci:Kms/key:Key", "shared-key"), name="shared-key", token="oci:Kms/key:Key",
                   terraform_type="oci_kms_key", custom=True, properties={}, naming="pulumi", region=in_fra,
                   provider=fra.urn)
    shared = Resource(urn=urn("pulumi:pulumi:StackReference", "platform/keys/prod"), name="platform/keys/prod",
                      token="pulumi:pulumi:StackReference", terraform_type=None, custom=True,
                      properties={"name": "platform/keys/prod"}, naming="pulumi")
    component = Resource(urn=urn("app:index:Storage", "storage"), name="storage", token="app:index:Storage",
                         terraform_type=None, custom=False, properties={}, naming="pulumi")
    tags = {"DataGovernance.Classification": "restricted"}
    outer = resource(BUCKET, "outer", {"namespace": "ns", "kmsKeyId": UNKNOWN, "definedTags": tags},
                     dependencies={"kmsKeyId": (key.urn,)})
    inner = resource(BUCKET, "inner", {"namespace": "ns", "kmsKeyId": UNKNOWN, "definedTags": tags},
                     parent=component.urn, parents="app:index:Storage$", dependencies={"kmsKeyId": (shared.urn,)})
    inventory = Inventory(SourceInfo("pulumi-program", "p", "p", "test", STACK), [fra, component, outer, inner],
                          read={key.urn: key, shared.urn: shared})
    document = export_plan(inventory, "us-ashburn-1").document
    assert [c["address"] for c in document["resource_changes"]] == [
        "oci_objectstorage_bucket.outer", "module.storage.oci_objectstorage_bucket.inner"]
    root = document["configuration"]["root_module"]
    inside = root["module_calls"]["storage"]["module"]
    assert [(c["address"], c["mode"], c["provider_config_key"]) for c in root["resources"]] == [
        ("data.oci_kms_key.shared-key", "data", "oci.fra"), ("oci_objectstorage_bucket.outer", "managed", "oci")]
    assert [(c["address"], c["mode"], c["provider_config_key"]) for c in inside["resources"]] == [
        ("data.pulumi_stack_reference.platform_keys_prod", "data", "pulumi"),
        ("oci_objectstorage_bucket.inner", "managed", "oci")]
    assert inside["resources"][1]["expressions"]["kms_key_id"] == {"references": [
        "data.pulumi_stack_reference.platform_keys_prod.id", "data.pulumi_stack_reference.platform_keys_prod"]}

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    back = load_plan(path)
    assert sorted(back.data_sources) == ["data.oci_kms_key.shared-key",
                                         "module.storage.data.pulumi_stack_reference.platform_keys_prod"]
    found = {(f.rule.id, f.resource.name, f.proven, f.message) for f in evaluate(back, load_policy("builtin")).findings}
    assert found == {
        ("RES003", "oci_objectstorage_bucket.outer", True,
         "kms_key_id comes from data.oci_kms_key.shared-key.id, in eu-frankfurt-1, outside the allowed regions"),
        ("RES003", "module.storage.oci_objectstorage_bucket.inner", False,
         ("kms_key_id is known only after apply and comes from no OCI resource of this program, so the region of "
          "what it names cannot be shown")),
    }
