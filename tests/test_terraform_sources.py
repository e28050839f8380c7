"""The Terraform sources: a plan (`terraform show -json`) and a directory of .tf files become an
inventory whose every resource has the region of the provider configuration that creates it."""

from __future__ import annotations

import json

import pytest

from residency.errors import InputError
from residency.inventory import UNKNOWN, RegionSource, Secret, Template
from residency.sources.terraform_expressions import Evaluated, Scope
from residency.sources.terraform_hcl import load_directory
from residency.sources.terraform_plan import load_plan
from residency.sources.terraform_text_parts import text_in_parts
from residency.sources.terraform_variables import Assignment

OCI = "registry.terraform.io/oracle/oci"


def plan(resources, *, config=None, providers=None, variables=None, changes=None, modules=None) -> dict:
    document = {
        "format_version": "1.2", "terraform_version": "1.9.8",
        "variables": {k: {"value": v} for k, v in (variables or {}).items()},
        "planned_values": {"root_module": {"resources": resources, **({"child_modules": modules} if modules else {})}},
        "resource_changes": changes or [],
    }
    if config is not None or providers is not None:
        document["configuration"] = {"provider_config": providers or {}, "root_module": config or {}}
    return document


def bucket(name, values=None, address=None):
    return {"address": address or f"oci_objectstorage_bucket.{name}", "mode": "managed",
            "type": "oci_objectstorage_bucket", "name": name, "values": values or {"namespace": "ns"}}


def config_of(name, key="oci", expressions=None):
    return {"address": f"oci_objectstorage_bucket.{name}", "mode": "managed", "type": "oci_objectstorage_bucket",
            "name": name, "provider_config_key": key, "expressions": expressions or {}}


def provider(region=None, alias=None, **extra):
    entry = {"name": "oci", "full_name": OCI, **extra}
    if alias:
        entry["alias"] = alias
    if region is not None:
        entry["expressions"] = {"region": region}
    return entry


def load(write, document) -> dict:
    directory = write({"plan.json": json.dumps(document)})
    return {r.urn: r for r in load_plan(directory / "plan.json").resources}


# --- plans ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message, where", [
    ('{"terraform_version": "1.9.8",\n "planned_values": ', "not valid JSON", ":2"),
    ('{"format_version": "1.0"}', "not a Terraform plan", "plan.json"),
    ('{"terraform_version": "1.9.8", "values": {}}', "no planned_values: expected a plan", "(planned_values)"),
    ('{"terraform_version": "1.9.8", "planned_values": {"root_module": {"resources": [{"name": "x"}]}}}',
     "expected resources with address", "planned_values (root module)"),
])
def test_a_file_that_is_no_plan_is_a_clear_error(write, text, message, where):
    directory = write({"plan.json": text})
    with pytest.raises(InputError) as error:
        load_plan(directory / "plan.json")
    assert message in str(error.value) and where in str(error.value)


def test_a_variable_gives_the_provider_its_region(write):
    resources = load(write, plan(
        [bucket("a"), bucket("b")],
        config={"resources": [config_of("a", "oci.dr"), config_of("b", "oci.other")]},
        providers={"oci.dr": provider({"references": ["var.dr_region"]}, "dr"),
                   "oci.other": provider({"references": ["var.missing"]}, "other")},
        variables={"dr_region": "us-phoenix-1"},
    ))
    assert resources["oci_objectstorage_bucket.a"].region.region.name == "us-phoenix-1"
    unresolved = resources["oci_objectstorage_bucket.b"].region
    assert unresolved.source is RegionSource.UNRESOLVED
    assert unresolved.reason == "the region of provider oci.other cannot be known: var.missing has no value in the plan"


def test_without_a_configuration_block_the_provider_is_not_guessed(write):
    resources = load(write, plan([bucket("a")], changes=[
        {"address": "oci_objectstorage_bucket.a", "change": {"actions": ["create"], "after_unknown": {"kms_key_id": True}}}
    ]))
    resource = resources["oci_objectstorage_bucket.a"]
    assert resource.region.source is RegionSource.UNRESOLVED
    assert "does not say which provider configuration" in resource.region.reason
    assert resource.properties["kms_key_id"] is UNKNOWN  # nothing says it is unset


def test_computed_attributes_the_configuration_does_not_set_are_left_out(write):
    change = {"actions": ["create"], "after_unknown": {"id": True, "kms_key_id": True, "defined_tags": True},
              "after_sensitive": {"metadata": True}}
    resources = load(write, plan(
        [bucket("a", {"namespace": "ns", "metadata": {"k": "v"}})],
        config={"resources": [config_of("a", expressions={"kms_key_id": {"references": ["var.key"]}})]},
        providers={"oci": provider({"constant_value": "us-ashburn-1"})},
        changes=[{"address": "oci_objectstorage_bucket.a", "change": change}],
    ))
    properties = resources["oci_objectstorage_bucket.a"].properties
    assert properties == {"namespace": "ns", "metadata": Secret({"k": "v"}), "kms_key_id": UNKNOWN}


def test_deleted_and_data_resources_are_not_deployed(write):
    data = {**bucket("d"), "mode": "data"}
    resources = load(write, plan(
        [bucket("kept"), bucket("gone"), data],
        changes=[{"address": "oci_objectstorage_bucket.gone", "change": {"actions": ["delete"]}}],
    ))
    assert set(resources) == {"oci_objectstorage_bucket.kept"}


def test_references_are_relative_to_the_module_and_cover_every_instance(write):
    key = {"address": "module.m.oci_kms_key.k[0]", "mode": "managed", "type": "oci_kms_key", "name": "k",
           "index": 0, "values": {}}
    module_bucket = bucket("b", address="module.m.oci_objectstorage_bucket.b")
    resources = load(write, plan(
        [], modules=[{"address": "module.m", "resources": [key, module_bucket]}],
        config={"resources": [], "module_calls": {"m": {"source": "./m", "module": {"resources": [
            {"address": "oci_kms_key.k", "mode": "managed", "type": "oci_kms_key", "name": "k", "provider_config_key": "oci"},
            config_of("b", expressions={"kms_key_id": {"references": ["oci_kms_key.k.id", "oci_kms_key.k"]}}),
        ]}}}},
        providers={"oci": provider({"constant_value": "us-ashburn-1"})},
    ))
    bucket_resource = resources["module.m.oci_objectstorage_bucket.b"]
    assert bucket_resource.dependencies_of("kms_key_id") == ("module.m.oci_kms_key.k[0]",)
    assert bucket_resource.region.source is RegionSource.PARENT_PROVIDER


def test_a_reference_and_the_resource_listed_after_it_resolve_alike_in_and_out_of_a_module(write):
    # Terraform lists each reference, then the resource it reads: the second names what the first does
    root_key = {"address": "oci_kms_key.k", "mode": "managed", "type": "oci_kms_key", "name": "k", "values": {}}
    module_bucket = bucket("b", address="module.m.oci_objectstorage_bucket.b")
    references = ["oci_kms_key.k.id", "oci_kms_key.k", "var.key", "oci_kms_key.k", "oci_kms_key.gone.id",
                  "oci_kms_key.gone"]
    resources = load(write, plan(
        [root_key, bucket("a")], modules=[{"address": "module.m", "resources": [module_bucket]}],
        config={"resources": [config_of("a", expressions={"kms_key_id": {"references": references}})],
                "module_calls": {"m": {"source": "./m", "module": {"resources": [
                    config_of("b", expressions={"kms_key_id": {"references": references}})]}}}},
        providers={"oci": provider({"constant_value": "us-ashburn-1"})},
    ))
    # in the module, no oci_kms_key.k of its own: the reference is taken as written, an absolute address
    assert resources["module.m.oci_objectstorage_bucket.b"].dependencies_of("kms_key_id") == ("oci_kms_key.k",)
    assert resources["oci_objectstorage_bucket.a"].dependencies_of("kms_key_id") == ("oci_kms_key.k",)


# --- HCL -----------------------------------------------------------------------------------


def hcl(write, files: dict[str, str]) -> dict:
    directory = write(files)
    return {r.urn: r for r in load_directory(directory).resources}


BUCKET = 'resource "oci_objectstorage_bucket" "%s" {\n  namespace = "ns"\n  name = %s\n%s}\n'


def test_tfvars_files_set_variables_and_the_environment_does_not(write, monkeypatch):
    monkeypatch.setenv("TF_VAR_secondary", "us-phoenix-1")
    resources = hcl(write, {
        "main.tf": 'variable "primary" { default = "eu-frankfurt-1" }\nvariable "secondary" {}\nvariable "third" {}\n'
                   'provider "oci" { region = var.primary }\n'
                   'provider "oci" {\n  alias = "b"\n  region = var.secondary\n}\n'
                   'provider "oci" {\n  alias = "c"\n  region = var.third\n}\n'
                   + BUCKET % ("a", '"a"', "") + BUCKET % ("b", '"b"', "  provider = oci.b\n")
                   + BUCKET % ("c", '"c"', "  provider = oci.c\n"),
        "terraform.tfvars": 'primary = "us-ashburn-1"\n',
        "z.auto.tfvars.json": '{"third": "us-chicago-1"}',
    })
    assert resources["oci_objectstorage_bucket.a"].region.region.name == "us-ashburn-1"
    assert "var.secondary has no value" in resources["oci_objectstorage_bucket.b"].region.reason
    assert resources["oci_objectstorage_bucket.c"].region.region.name == "us-chicago-1"


def test_count_for_each_locals_and_templates_are_evaluated(write):
    resources = hcl(write, {"main.tf": (
        'provider "oci" { region = "us-ashburn-1" }\n'
        'locals {\n  prefix = "app"\n  regions = { east = "us-ashburn-1", west = "us-phoenix-1" }\n}\n'
        'resource "oci_objectstorage_replication_policy" "copy" {\n  for_each = local.regions\n'
        '  name = "${local.prefix}-${each.key}"\n  destination_region_name = each.value\n}\n'
        'resource "oci_objectstorage_bucket" "n" {\n  count = 2\n  name = "b${count.index}"\n}\n'
        'resource "oci_objectstorage_bucket" "later" {\n  count = length(var.names)\n  name = "x"\n}\n'
        'variable "names" {}\n'
    )})
    west = resources['oci_objectstorage_replication_policy.copy["west"]']
    assert west.properties == {"name": "app-west", "destination_region_name": "us-phoenix-1"}
    assert resources["oci_objectstorage_bucket.n[1]"].properties == {"name": "b1"}
    assert "oci_objectstorage_bucket.later" in resources  # a count not known before apply: one, unindexed


def test_modules_receive_provider_configurations_and_variables(write):
    resources = hcl(write, {
        "main.tf": 'provider "oci" { region = "us-ashburn-1" }\n'
                   'provider "oci" {\n  alias = "phoenix"\n  region = "us-phoenix-1"\n}\n'
                   'module "implicit" {\n  source = "./child"\n  name = "one"\n}\n'
                   'module "passed" {\n  source = "./child"\n  name = "two"\n'
                   '  providers = {\n    oci = oci.phoenix\n    oci.home = oci\n  }\n}\n'
                   'module "remote" {\n  source = "oracle-terraform-modules/vcn/oci"\n}\n',
        "child/main.tf": 'variable "name" {}\n'
                         'resource "oci_objectstorage_bucket" "b" {\n  name = var.name\n}\n'
                         'resource "oci_identity_group" "g" {\n  provider = oci.home\n  name = var.name\n}\n',
    })
    assert resources["module.implicit.oci_objectstorage_bucket.b"].region.region.name == "us-ashburn-1"
    assert resources["module.implicit.oci_objectstorage_bucket.b"].properties == {"name": "one"}
    assert resources["module.passed.oci_objectstorage_bucket.b"].region.region.name == "us-phoenix-1"
    assert resources["module.passed.oci_identity_group.g"].region.region.name == "us-ashburn-1"
    # an aliased configuration is never inherited implicitly
    assert resources["module.implicit.oci_identity_group.g"].region.source is RegionSource.UNRESOLVED


def test_a_module_not_on_disk_is_a_record_whose_region_cannot_be_proven(write):
    directory = write({"main.tf": 'provider "oci" {\n  alias = "fra"\n  region = "eu-frankfurt-1"\n}\n'
                                  'module "vcn" {\n  source = "oracle-terraform-modules/vcn/oci"\n'
                                  '  providers = {\n    oci = oci.fra\n  }\n}\n'})
    (record,) = load_directory(directory).resources
    assert (record.urn, record.terraform_type, record.region.source) == ("module.vcn", "module (not read)",
                                                                           RegionSource.UNRESOLVED)
    assert record.region.reason == (
        "module.vcn comes from 'oracle-terraform-modules/vcn/oci', which is not on disk (run `terraform init` to "
        "download it), so what it creates cannot be checked; it is handed oci = oci.fra")


def test_references_and_dynamic_blocks(write):
    resources = hcl(write, {"main.tf": (
        'resource "oci_kms_key" "k" {\n  display_name = "k"\n}\n'
        'resource "oci_vault_secret" "s" {\n  key_id = oci_kms_key.k.id\n'
        '  dynamic "replication_config" {\n    for_each = var.replicas\n    content {\n      replication_targets {\n'
        '        target_region = replication_config.value\n      }\n    }\n  }\n}\n'
    )})
    secret = resources["oci_vault_secret.s"]
    assert secret.properties == {"key_id": UNKNOWN, "replication_config": UNKNOWN}
    assert secret.dependencies_of("key_id") == ("oci_kms_key.k",)


def test_dynamic_blocks_are_generated_where_for_each_is_known(write):
    resources = hcl(write, {"main.tf": (
        'variable "regions" {\n  default = ["us-phoenix-1", "us-chicago-1"]\n}\n'
        'resource "oci_vault_secret" "s" {\n'
        '  replication_config {\n    is_write_forward_enabled = true\n  }\n'
        '  dynamic "replication_config" {\n    for_each = var.regions\n    iterator = r\n    content {\n'
        '      replication_targets {\n        target_region = r.value\n        target_vault_id = "v-${r.key}"\n'
        '      }\n      dynamic "inner" {\n        for_each = { a = 1 }\n        content {\n'
        '          text = "${inner.key}${inner.value}-${r.value}"\n        }\n      }\n    }\n  }\n}\n'
    )})
    assert resources["oci_vault_secret.s"].properties == {"replication_config": [
        {"is_write_forward_enabled": True},
        {"replication_targets": [{"target_region": "us-phoenix-1", "target_vault_id": "v-0"}],
         "inner": [{"text": "a1-us-phoenix-1"}]},
        {"replication_targets": [{"target_region": "us-chicago-1", "target_vault_id": "v-1"}],
         "inner": [{"text": "a1-us-chicago-1"}]},
    ]}
    assert resources["oci_vault_secret.s"].property_origins["replication_config"][0].name == "var.regions"


def test_an_object_key_written_as_a_number_is_text_as_in_terraform(write):
    """Found by fuzzing: the parser gives the key of `{3 = "..."}` as a number, which Terraform reads as "3"."""
    resources = hcl(write, {"main.tf": 'locals {\n  regions = { 3 = "eu-frankfurt-1" }\n}\n'
                                       'provider "oci" {\n  region = local.regions["3"]\n}\n'
                                       + BUCKET % ("b", '"b"', "")})
    assert resources["oci_objectstorage_bucket.b"].region.region.name == "eu-frankfurt-1"


@pytest.mark.parametrize("files, message, where", [
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  name = = "x"\n}\n'}, "not valid HCL", "main.tf:2"),
    ({"main.tf": 'module "m" {\n  source = "./missing"\n}\n'}, "source ./missing is not a directory", "main.tf:1"),
    ({"notes.txt": "no terraform"}, "no .tf or .tf.json files here", ""),
])
def test_bad_configurations_are_clear_errors(write, files, message, where):
    directory = write(files)
    with pytest.raises(InputError) as error:
        load_directory(directory)
    assert message in str(error.value) and where in str(error.value)


# --- expressions ---------------------------------------------------------------------------


def scope(**variables) -> Scope:
    def lookup(kind, name):
        if kind == "var" and name in variables:
            return Evaluated(variables[name])
        return Evaluated(UNKNOWN, f"{kind}.{name} has no value")
    return Scope(lookup)


@pytest.mark.parametrize("raw, value", [
    ("plain", "plain"),
    ("${var.region}", "us-ashburn-1"),
    ("${var.count}", 3),
    ("${var.tags[\"owner\"]}", "ops"),
    ("${var.tags.owner}", "ops"),
    ("x-${var.region}-${var.count}", "x-us-ashburn-1-3"),
    ("$${literal}", "${literal}"),
    ("${toset(['b', 'a', 'b'])}", ["a", "b"]),
    ("${-1}", -1),
    ("${true}", True),
    (["${var.region}", 1], ["us-ashburn-1", 1]),
    ({"k": "${var.region}"}, {"k": "us-ashburn-1"}),
])
def test_values_known_before_apply(raw, value):
    result = scope(region="us-ashburn-1", count=3, tags={"owner": "ops"}).evaluate(raw)
    assert (result.value, result.reason) == (value, None)


@pytest.mark.parametrize("raw, reason", [
    ("${var.missing}", "var.missing has no value"),
    ("eu-${var.missing}", "var.missing has no value"),
    ("${oci_kms_key.k.id}", "it comes from oci_kms_key.k, known only after apply"),
    ("${data.oci_identity_regions.r.regions[0].name}", "read from the cloud only when Terraform plans"),
    ("${module.net.region}", "module.net has no value"),
    ('${lookup(var.m,"k","d")}', "var.m has no value"),
    ("${var.tags.missing}", "Terraform cannot evaluate it: the value has no attribute or key 'missing'"),
    ('${file("region.txt")}', "function file() is not evaluated before apply"),
    ("${cidrsubnet(var.tags.owner, 8, 1)}", "Terraform cannot evaluate it: cidrsubnet(): "),
    ("${var.tags[var.missing]}", "var.missing has no value"),
    ("${coalesce(var.missing, \"us-ashburn-1\")}", "var.missing has no value"),
    ("${var.flag ? \"a\" : \"b\"}", "var.flag has no value"),
    ("${[for r in var.missing : upper(r)]}", "var.missing has no value"),
    ("${try(var.missing, \"x\")}", "var.missing has no value"),
    ("${upper(\"unterminated)}", "the expression cannot be read"),
])
def test_values_not_known_before_apply_say_why(raw, reason):
    result = scope(tags={"owner": "ops"}).evaluate(raw)
    assert result.value is UNKNOWN and reason in result.reason


@pytest.mark.parametrize("raw, value", [
    ("${var.list[count.index]}", "us-phoenix-1"),
    ("${var.tags[each.key]}", "ops"),
    ('${lookup(var.tags, "owner", "x")}', "ops"),
    ('${lookup(var.tags, "other", "x")}', "x"),
    ('${coalesce("", var.region)}', "us-ashburn-1"),
    ('${format("%s-%03d", var.region, 7)}', "us-ashburn-1-007"),
    ('${join(",", var.list)}', "us-ashburn-1,us-phoenix-1"),
    ('${merge(var.tags, {b = 1})}', {"owner": "ops", "b": 1}),
    ("${element(var.list, 3)}", "us-phoenix-1"),
    ('${try(var.tags.missing, "fallback")}', "fallback"),
    ("${can(var.tags.missing)}", False),
    ('${upper(trimspace(" fra "))}', "FRA"),
    ("${[for r in var.list : upper(r) if r != \"us-ashburn-1\"]}", ["US-PHOENIX-1"]),
    ("${{for k, v in var.tags : upper(k) => v}}", {"OWNER": "ops"}),
    ('${var.count > 2 ? "many" : "few"}', "many"),
    ("${var.objects[*].region}", ["us-ashburn-1", "us-chicago-1"]),
    ("${var.objects[1][\"region\"]}", "us-chicago-1"),
    ("${length(var.list) * 2 + 1}", 5),
    ('${cidrsubnet("10.0.0.0/16", 8, 2)}', "10.0.2.0/24"),
    ("${!var.flag && true}", False),
    ("${toset(['b', 'a', 'b'])}", ["a", "b"]),
    ("${lookup(var.tags,\"owner\",None)}", "ops"),
    ("a-%{ if true }b%{ endif }", None),
])
def test_functions_and_expressions_evaluate_where_their_inputs_are_known(raw, value):
    def lookup(kind, name):
        instance = {("count", "index"): 1, ("each", "key"): "owner"}
        if (kind, name) in instance:
            return Evaluated(instance[kind, name])
        variables = {"region": "us-ashburn-1", "list": ["us-ashburn-1", "us-phoenix-1"], "tags": {"owner": "ops"},
                     "count": 3, "flag": True,
                     "objects": [{"region": "us-ashburn-1"}, {"region": "us-chicago-1"}]}
        return Evaluated(variables[name]) if kind == "var" and name in variables else Evaluated(UNKNOWN, "no value")
    result = Scope(lookup).evaluate(raw)
    if value is None:  # template directives are not evaluated: unknown, with why
        assert result.value is UNKNOWN and "directive" in result.reason
    else:
        assert (result.value, result.reason) == (value, None)


def test_an_unknown_value_depends_on_every_input_it_could_come_from(write):
    resources = hcl(write, {"main.tf": (
        'variable "fra_key" {}\nprovider "oci" { region = "us-ashburn-1" }\n'
        'resource "oci_kms_key" "us" { display_name = "k" }\n'
        'locals {\n  key = coalesce(var.fra_key, oci_kms_key.us.id)\n}\n'
        'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n  kms_key_id = local.key\n}\n'
    )})
    bucket = resources["oci_objectstorage_bucket.b"]
    assert bucket.properties["kms_key_id"] is UNKNOWN
    assert bucket.dependencies_of("kms_key_id") == ("oci_kms_key.us", "var.fra_key")


def test_override_files_merge_attribute_by_attribute_and_replace_nested_blocks(write):
    resources = hcl(write, {
        "main.tf": 'provider "oci" {\n  region = "eu-frankfurt-1"\n  auth = "APIKey"\n}\n'
                   'resource "oci_core_volume_backup_policy" "p" {\n  display_name = "p"\n'
                   '  destination_region = "us-phoenix-1"\n  schedules {\n    period = "ONE_DAY"\n  }\n'
                   '  schedules {\n    period = "ONE_WEEK"\n  }\n}\n',
        "a_override.tf": 'resource "oci_core_volume_backup_policy" "p" {\n  schedules {\n    period = "ONE_HOUR"\n  }\n}\n',
        "override.tf.json": '{"provider": {"oci": {"region": "us-ashburn-1"}}}',
    })
    policy = resources["oci_core_volume_backup_policy.p"]
    assert policy.region.region.name == "us-ashburn-1"
    assert policy.properties == {"display_name": "p", "destination_region": "us-phoenix-1",
                                 "schedules": [{"period": "ONE_HOUR"}]}


@pytest.mark.parametrize("files, message", [
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  name = "a"\n}\n',
      "override.tf": 'resource "oci_objectstorage_bucket" "c" {\n  name = "b"\n}\n'},
     "the override of oci_objectstorage_bucket.c has no block to override"),
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  name = "a"\n}\n',
      "other.tf": 'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n}\n'},
     "oci_objectstorage_bucket.b is defined twice (first at main.tf:1)"),
    ({"main.tf": 'provider "oci" {\n  region = "us-ashburn-1"\n  region = "eu-frankfurt-1"\n}\n'},
     'provider "oci": attribute region is set more than once'),
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  count = -1\n}\n'},
     "count must be a whole number of at least 0, not -1"),
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  count = 50000000\n}\n'},
     "count makes 50000000 instances, more than the 100000 this reader expands"),
    ({"main.tf": 'resource "oci_objectstorage_bucket" "b" {\n  name = "unterminated\n}\n'}, "not valid HCL"),
    ({"main.tf": 'locals {\n  a = ' + "[" * 300 + "]" * 300 + '\n}\n'}, "not valid HCL: nested more than about 64 levels deep"),
    ({"main.tf.json": '{"resource": ' + "[" * 300 + "]" * 300 + "}"}, "nested more than 200 levels deep"),
    ({"main.tf.json": '["not", "blocks"]'}, "expected a JSON object of Terraform blocks"),
])
def test_what_terraform_rejects_is_a_clear_error(write, files, message):
    directory = write(files)
    with pytest.raises(InputError) as error:
        load_directory(directory)
    assert message in str(error.value)


BACKTRACKING_HCL = 'locals {\n  t = "p ${upper("q\\"r")}"\n  h = <<EOT\nhello\nEOT\n}\n'


def test_a_file_the_parser_would_backtrack_on_for_ever_is_stopped(write):
    """The HCL library's string grammar backtracks without end on a few bytes (an escaped quote
    inside ${...} before a heredoc): the parse is stopped after its processor time and the file
    named. Run in a process of its own: only a main thread takes the timer's signal, and a
    timeout bounds the test whatever happens."""
    import subprocess
    import sys

    directory = write({"main.tf": BACKTRACKING_HCL})
    program = (
        "import sys\nfrom pathlib import Path\nfrom residency.sources import terraform_files\nfrom residency.sources.terraform_hcl import load_directory\n"
        "from residency.errors import InputError\nterraform_files.HCL_SECONDS_PER_MEGABYTE = 0.5\n"
        "try:\n    load_directory(Path(sys.argv[1]))\nexcept InputError as error:\n    print(error)\n"
    )
    completed = subprocess.run([sys.executable, "-c", program, str(directory)], capture_output=True, text=True,
                               timeout=120, check=True)
    assert "main.tf: the HCL parser took more than 0.5 s of processor time on this file and was stopped" in completed.stdout


def test_non_regular_files_are_refused(write, tmp_path):
    import os

    directory = write({"main.tf": 'provider "oci" { region = "us-ashburn-1" }\n'})
    os.mkfifo(directory / "fifo.tf")
    (directory / "zero.tf").symlink_to("/dev/zero")
    with pytest.raises(InputError) as error:
        load_directory(directory)
    assert "fifo.tf: not a regular file (a FIFO)" in str(error.value)
    (directory / "fifo.tf").unlink()
    with pytest.raises(InputError) as error:
        load_directory(directory)
    assert "zero.tf: not a regular file (a device)" in str(error.value)


def test_variable_precedence_follows_terraform(write):
    files = {
        "main.tf": 'variable "r" { default = "default" }\nprovider "oci" { region = "us-ashburn-1" }\n'
                   'resource "oci_objectstorage_bucket" "b" { name = var.r }\n',
        "terraform.tfvars": 'r = "tfvars"\n',
        "terraform.tfvars.json": '{"r": "tfvars.json"}',
        "a.auto.tfvars.json": '{"r": "a.auto.json"}',
        "b.auto.tfvars": 'r = "b.auto"\n',
    }
    assert hcl(write, files)["oci_objectstorage_bucket.b"].properties == {"name": "b.auto"}
    (write({}) / "b.auto.tfvars").unlink()
    assert hcl(write, {})["oci_objectstorage_bucket.b"].properties == {"name": "a.auto.json"}


def test_given_inputs_replace_the_shipped_sets(write):
    directory = write({
        "main.tf": 'variable "r" {}\nvariable "tags" {\n  type = map(string)\n}\n'
                   'resource "oci_objectstorage_bucket" "b" {\n  name = var.r\n  freeform_tags = var.tags\n}\n',
        "prod.tfvars": 'r = "prod"\ntags = { a = "b" }\n',
    })
    given = (Assignment(file=directory / "prod.tfvars"), Assignment(text="r=cli"), Assignment(text='tags={ x = "y" }'))
    (bucket,) = load_directory(directory, given).resources
    assert (bucket.urn, bucket.properties) == ("oci_objectstorage_bucket.b", {"name": "cli", "freeform_tags": {"x": "y"}})


# --- plans: module-scoped providers, unknown blocks, modes, changes, wrong types ---------------


def test_a_provider_scoped_to_a_child_module_takes_its_region_from_the_module_call(write):
    policy = {"address": "module.dr.oci_objectstorage_replication_policy.copy", "mode": "managed",
              "type": "oci_objectstorage_replication_policy", "name": "copy", "values": {"destination_region_name": "x"}}
    resources = load(write, plan(
        [], modules=[{"address": "module.dr", "resources": [policy]}],
        config={"resources": [], "module_calls": {"dr": {
            "source": "./dr", "expressions": {"region": {"constant_value": "eu-frankfurt-1"}},
            "module": {"resources": [{"address": "oci_objectstorage_replication_policy.copy", "mode": "managed",
                                      "type": "oci_objectstorage_replication_policy", "name": "copy",
                                      "provider_config_key": "module.dr:oci", "expressions": {}}]}}}},
        providers={"oci": provider({"constant_value": "us-ashburn-1"}),
                   "module.dr:oci": {**provider({"references": ["var.region"]}), "module_address": "module.dr"}},
    ))
    resolution = resources["module.dr.oci_objectstorage_replication_policy.copy"].region
    assert (resolution.region.name, resolution.provider) == ("eu-frankfurt-1", "module.dr:oci")


def test_unknown_blocks_are_kept_or_noted_never_dropped_in_silence(write):
    """replication_config is a block the provider does not compute: unknown and not in the plan's
    configuration, it is a `dynamic` block, kept. A volume's replicas are computed by the provider
    when not set, unknown on every create: a plan cannot tell them from a `dynamic` block."""
    secret = {"address": "oci_vault_secret.s", "mode": "managed", "type": "oci_vault_secret", "name": "s",
              "values": {"secret_name": "s"}}
    volume = {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume", "name": "v",
              "values": {"size_in_gbs": "50"}}
    secret_change = {"actions": ["create"],
                     "after_unknown": {"replication_config": True, "rotation_config": [{"target": True}], "id": True}}
    volume_change = {"actions": ["create"], "after_unknown": {"block_volume_replicas": True, "source_details": True}}
    directory = write({"plan.json": json.dumps(plan(
        [secret, volume], changes=[{"address": "oci_vault_secret.s", "change": secret_change},
                                   {"address": "oci_core_volume.v", "change": volume_change}],
        config={"resources": [
            {"address": "oci_vault_secret.s", "mode": "managed", "type": "oci_vault_secret", "name": "s",
             "provider_config_key": "oci", "expressions": {"secret_name": {}}},
            {"address": "oci_core_volume.v", "mode": "managed", "type": "oci_core_volume", "name": "v",
             "provider_config_key": "oci", "expressions": {"size_in_gbs": {}}}]},
        providers={"oci": provider({"constant_value": "us-ashburn-1"})},
    ))})
    inventory = load_plan(directory / "plan.json")
    resources = {r.urn: r for r in inventory.resources}
    assert resources["oci_vault_secret.s"].properties == {
        "secret_name": "s", "rotation_config": [{"target": UNKNOWN}], "replication_config": UNKNOWN}
    assert resources["oci_core_volume.v"].properties == {"size_in_gbs": "50"}
    assert inventory.source.notes == (
        ("oci_core_volume.v.block_volume_replicas is known only after apply and the plan's configuration does not "
         "set it (a dynamic block, or the default the provider computes): check the configuration itself "
         "(`residency check DIR`) to prove where it moves data"),)


def test_resources_without_a_mode_and_creates_only_in_resource_changes_are_read(write):
    no_mode = {k: v for k, v in bucket("a").items() if k != "mode"}
    data = {**{k: v for k, v in bucket("d").items() if k != "mode"}, "address": "data.oci_objectstorage_bucket.d"}
    created = {"address": "oci_objectstorage_bucket.late", "mode": "managed", "type": "oci_objectstorage_bucket",
               "name": "late", "change": {"actions": ["create"], "after": {"name": "late"},
                                          "after_unknown": {"kms_key_id": True}}}
    resources = load(write, plan([no_mode, data], changes=[created]))
    assert set(resources) == {"oci_objectstorage_bucket.a", "oci_objectstorage_bucket.late"}
    assert resources["oci_objectstorage_bucket.late"].properties == {"name": "late", "kms_key_id": UNKNOWN}


@pytest.mark.parametrize("document, message", [
    (plan([{**bucket("a"), "mode": "manged"}]), "unexpected mode 'manged'"),
    (plan([bucket("a", values=["x"])]), "expected an object"),
    ({**plan([]), "resource_changes": {"a": 1}}, "expected a list"),
    ({**plan([]), "resource_changes": [{"address": 3}]}, "expected a resource change with an address"),
    ({**plan([]), "resource_changes": [{"address": "a", "change": {"actions": "create"}}]}, "expected a list of actions"),
    ({**plan([]), "variables": []}, "expected an object"),
    ({**plan([bucket("a")]), "configuration": {"provider_config": {"oci": {"expressions": []}}}}, "expected an object"),
    ({**plan([bucket("a")]), "configuration": {"root_module": {"resources": {"x": 1}}}}, "expected a list"),
    ({**plan([], modules=[{"address": 5}])}, "expected child modules with an address"),
    (plan([bucket("a")], config={"resources": [config_of("a", expressions="x")]}, providers={"oci": provider()}),
     "expected an object"),
    ({**plan([bucket("a")]), "configuration": {"root_module": {"resources": [{**config_of("a"), "expressions": []}]}}},
     "(configuration (oci_objectstorage_bucket.a)): expected an object"),  # found by fuzzing: a crash in the decoder
    (plan([bucket("a")], changes=[{**bucket("a"), "change": {"actions": ["create"], "after_sensitive": True}}]),
     "(resource_changes (oci_objectstorage_bucket.a).change): expected an object of attributes"),
])
def test_plan_fields_of_the_wrong_type_are_input_errors(write, document, message):
    directory = write({"plan.json": json.dumps(document)})
    with pytest.raises(InputError) as error:
        load_plan(directory / "plan.json")
    assert message in str(error.value)


@pytest.mark.parametrize("document, message, where", [
    (plan([bucket("a"), bucket("a")]), "oci_objectstorage_bucket.a is listed twice", "planned_values (root module)"),
    (plan([bucket("a")], changes=[{"address": "oci_objectstorage_bucket.a", "change": {"after_unknown": True}}]),
     "expected an object of attributes", "resource_changes (oci_objectstorage_bucket.a).change"),
    (plan([bucket("a")], changes=[{"address": "oci_objectstorage_bucket.a", "change": {"after_unknown": [True]}}]),
     "expected an object of attributes", "resource_changes (oci_objectstorage_bucket.a).change"),
], ids=["listed-twice", "unknown-as-a-whole", "marks-of-a-list"])
def test_a_resource_a_plan_cannot_hold_is_an_input_error(write, document, message, where):
    directory = write({"plan.json": json.dumps(document)})
    with pytest.raises(InputError) as error:
        load_plan(directory / "plan.json")
    assert message in str(error.value) and f"({where})" in str(error.value)


def test_a_region_from_a_variable_says_where_its_value_was_written(write):
    resources = hcl(write, {
        "main.tf": 'variable "region" {\n  default = "us-ashburn-1"\n}\nvariable "dr" {}\n'
                   'provider "oci" {\n  region = var.region\n}\n'
                   'provider "oci" {\n  alias = "dr"\n  region = var.dr\n}\n'
                   'resource "oci_objectstorage_bucket" "a" { name = "a" }\n'
                   'resource "oci_objectstorage_bucket" "b" {\n  provider = oci.dr\n  name = "b"\n}\n',
        "dr.auto.tfvars.json": '{\n  "dr": "eu-frankfurt-1"\n}\n',
    })
    assert resources["oci_objectstorage_bucket.a"].region.origin == "var.region, default at main.tf:1"
    assert resources["oci_objectstorage_bucket.b"].region.origin == "var.dr, dr.auto.tfvars.json:2"


def test_reading_a_module_output_keeps_the_instance_being_read(write):
    resources = hcl(write, {
        "main.tf": 'provider "oci" { region = "us-ashburn-1" }\n'
                   'module "a" {\n  source = "./child"\n  name = "a"\n}\n'
                   'resource "oci_objectstorage_replication_policy" "r" {\n'
                   '  for_each = { x = "us-phoenix-1" }\n  name = module.a.out\n'
                   '  destination_region_name = each.value\n}\n',
        "child/main.tf": 'variable "name" {}\noutput "out" { value = "n-${var.name}" }\n',
    })
    assert resources['oci_objectstorage_replication_policy.r["x"]'].properties == {
        "name": "n-a", "destination_region_name": "us-phoenix-1"}


def test_an_address_with_an_unopened_index_is_read_as_written(write):
    resources = load(write, plan([bucket("a", address="oci_objectstorage_bucket.a]")]))
    assert set(resources) == {"oci_objectstorage_bucket.a]"}


# --- text known in part --------------------------------------------------------------------


def parts(*values) -> Template:
    return Template(tuple(UNKNOWN if value is None else value for value in values))


@pytest.mark.parametrize("raw, value", [
    ("Allow group ${var.g} to read objects in compartment ${var.c}",
     parts("Allow group ", None, " to read objects in compartment data")),
    ('${format("Allow group %s to manage %s in tenancy", var.g, "buckets")}',
     parts("Allow group ", None, " to manage buckets in tenancy")),
    ('${format("%s-%03d-%s", var.g, var.n, var.c)}', parts(None, "-007-data")),
    ('${format("%5s and %s", var.g, var.c)}', parts(None, " and data")),  # a padded unknown: no known width
    ("${join(\" \", ['Allow group', '${var.g}', 'to inspect compartments in tenancy'])}",
     parts("Allow group ", None, " to inspect compartments in tenancy")),
    ('${join(", ", var.partly)}', parts("a, ", None)),
    ('${join(", ", var.g)}', UNKNOWN),  # how many elements, and so which separators, is not known
    ('${[for g in var.g : "Allow group ${g} to read objects in tenancy"]}', UNKNOWN),
    ('${var.g == "a" ? "Allow group a to read objects in tenancy" : "x"}', UNKNOWN),
    ("${var.g}${var.h}", UNKNOWN),  # no literal word
    ("Allow group ${var.c}", "Allow group data"),  # known: plain text
    (["Allow group ${var.g} to x", "known"], [parts("Allow group ", None, " to x"), "known"]),
    ('${["Allow ${var.g} x", "known"]}', [parts("Allow ", None, " x"), "known"]),
])
def test_text_known_in_part_keeps_its_literal_words(raw, value):
    assert text_in_parts(scope(c="data", n=7, partly=["a", UNKNOWN]), raw) == value


def test_a_value_passed_through_a_module_names_the_variable_it_was_written_in(write):
    resources = hcl(write, {
        "main.tf": 'variable "copy" {}\nprovider "oci" {\n  region = "us-ashburn-1"\n}\n'
                   'module "dr" {\n  source = "./dr"\n  destination = var.copy\n}\n'
                   'module "defaulted" {\n  source = "./dr"\n}\n',
        "terraform.tfvars": 'copy = "eu-frankfurt-1"\n',
        "dr/main.tf": 'variable "destination" {\n  default = "us-phoenix-1"\n}\n'
                      'resource "oci_objectstorage_replication_policy" "r" {\n  name = "r"\n'
                      '  destination_region_name = var.destination\n}\n',
    })
    passed = resources["module.dr.oci_objectstorage_replication_policy.r"].property_origins["destination_region_name"]
    assert [(o.name, o.file, o.line, o.value, o.how) for o in passed] == [
        ("var.copy", "terraform.tfvars", 1, "eu-frankfurt-1", "is set in")]
    defaulted = resources["module.defaulted.oci_objectstorage_replication_policy.r"].property_origins
    assert [(o.name, o.file, o.line) for o in defaulted["destination_region_name"]] == [
        ("var.destination of module.defaulted", "dr/main.tf", 1)]


def test_a_sensitive_variable_names_its_line_but_never_its_value(write):
    resources = hcl(write, {
        "main.tf": 'variable "key" {\n  sensitive = true\n}\n'
                   'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n  kms_key_id = var.key\n}\n',
        "terraform.tfvars": 'key = "ocid1.key.oc1.eu-frankfurt-1.aaaa"\n',
    })
    (origin,) = resources["oci_objectstorage_bucket.b"].property_origins["kms_key_id"]
    assert (origin.name, origin.file, origin.line, origin.value) == ("var.key", "terraform.tfvars", 1, None)


def test_a_region_from_a_sensitive_variable_is_unproven_and_never_shown(write):
    resources = hcl(write, {
        "main.tf": 'variable "r" {\n  sensitive = true\n  default = "us-ashburn-1"\n}\nprovider "oci" {\n  region = var.r\n}\n'
                   'resource "oci_objectstorage_bucket" "b" {\n  name = "b"\n}\n',
    })
    region = resources["oci_objectstorage_bucket.b"].region
    assert (region.source, region.region, region.secret) == (RegionSource.UNRESOLVED, None, True)
    assert "us-ashburn-1" not in (region.reason or "") and "is a secret" in region.reason


def test_what_takes_a_sensitive_variable_is_sensitive_as_in_a_plan(write):
    """Terraform marks a value that comes from a sensitive variable sensitive (a plan's
    after_sensitive): the value is still judged, and never shown."""
    resources = hcl(write, {
        "main.tf": 'variable "key" {\n  sensitive = true\n}\nvariable "name" {}\nlocals {\n  key = var.key\n}\n'
                   'resource "oci_objectstorage_bucket" "b" {\n  name = var.name\n  kms_key_id = local.key\n'
                   '  retention_rules {\n    display_name = var.key\n  }\n}\n',
        "terraform.tfvars": 'key = "ocid1.key.oc1.eu-frankfurt-1.aaaa"\nname = "b"\n',
    })
    properties = resources["oci_objectstorage_bucket.b"].properties
    assert properties["kms_key_id"] == Secret("ocid1.key.oc1.eu-frankfurt-1.aaaa")
    assert properties["retention_rules"] == [{"display_name": Secret("ocid1.key.oc1.eu-frankfurt-1.aaaa")}]
    assert properties["name"] == "b"


def test_a_list_of_statements_through_locals_and_concat_keeps_each_statement_s_literal_words():
    written = {"readers": ["Allow group ${var.g} to read objects in tenancy"], "loop": "${local.loop}",
               "generated": '${[for g in var.g : "Allow group ${g} to read objects in tenancy"]}'}
    value = text_in_parts(scope(), '${concat(local.readers, ["Allow group ${var.g} to use vcns in tenancy"], ["x"])}',
                          written.get)
    assert value == [parts("Allow group ", None, " to read objects in tenancy"),
                     parts("Allow group ", None, " to use vcns in tenancy"), "x"]
    assert text_in_parts(scope(), "${local.loop}", written.get) is UNKNOWN  # a local that refers to itself
    assert text_in_parts(scope(), "${concat(local.generated, local.readers)}", written.get) is UNKNOWN


def test_a_plan_names_the_variable_behind_a_value_but_never_a_sensitive_one_s_value(write):
    resources = load(write, plan(
        [bucket("a", {"namespace": "ns", "kms_key_id": "ocid1.key.oc1.iad.aaaa", "name": "a"})],
        config={"resources": [config_of("a", expressions={"kms_key_id": {"references": ["var.key"]},
                                                          "name": {"references": ["var.name"]}})],
                "variables": {"key": {"sensitive": True}, "name": {}}},
        providers={"oci": provider({"constant_value": "us-ashburn-1"})},
        variables={"key": "ocid1.key.oc1.iad.aaaa", "name": "a"},
    ))
    origins = resources["oci_objectstorage_bucket.a"].property_origins
    assert [(o.name, o.file, o.value) for o in origins["kms_key_id"]] == [("var.key", "plan.json", None)]
    assert [(o.name, o.file, o.value) for o in origins["name"]] == [("var.name", "plan.json", "a")]
