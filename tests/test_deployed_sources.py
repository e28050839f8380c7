"""The readers of what engines write about deployments: Pulumi exports and checkpoints, previews,
event logs and Terraform states, on real Pulumi samples and on OCI states built like them."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from deployed_states import (
    COMPARTMENT,
    TAGS,
    Deployed,
    bucket,
    ciphertext,
    ocid,
    plaintext,
    pulumi_export,
    shown_state,
    tfstate,
    write,
)
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from residency.cli import main
from residency.engine import evaluate
from residency.errors import InputError
from residency.inventory import UNKNOWN, RegionSource, Secret
from residency.policy import load_policy
from residency.render.document import validate_document
from residency.sources.files import load_file
from residency.sources.pulumi_state import inventory_from_state


def invoke(arguments: list[str], **options):
    """The command line with the built-in policy, named, as CI requires."""
    return CliRunner().invoke(main, [*arguments, "--policy", "builtin"], **options)


SAMPLES = FIXTURES / "deployed" / "pulumi-formats"
POLICY = load_policy("builtin")


def findings(inventory):
    return sorted((f.rule.id, f.resource.name, f.path, f.proven) for f in evaluate(inventory, POLICY).findings)


def by_name(inventory):
    return {r.name: r for r in inventory.resources}


# --- the real samples -------------------------------------------------------------------------

@pytest.mark.parametrize("sample, kind, project, stack, count", [
    ("pulumi-docs_rest-api_stack-export_aws-provider-region.json", "pulumi-state", "demo-aws-ts-webserver", "dev-user1", 3),
    ("pulumi-testdata_checkpoint-secrets.json", "pulumi-state", "countdown", "foo", 30),
    ("pulumi-testdata_checkpoint-v4.json", "pulumi-state", "countdown", "foo", 30),
    ("pulumi-2019_TestPreviewJSON_expected.rendered-dev.json", "pulumi-preview", "protect_resources", "dev", 2),
    ("real-cli_up_aws-eks.jsonl", "pulumi-events", "eks", "dev", 6),
    ("real-cli_preview_aws-webserver_unknowns.jsonl", "pulumi-events", "aws-ts-webserver", "dev", 3),
    ("engine_preview_provider-unknowns.jsonl", "pulumi-events", "test", "test", 3),
])
def test_real_samples_are_told_apart_and_read(sample, kind, project, stack, count):
    inventory = load_file(SAMPLES / sample)
    assert (inventory.source.kind, inventory.source.project, inventory.source.stack) == (kind, project, stack)
    assert len(inventory) == count


def test_an_export_reads_outputs_the_provider_and_the_parent():
    inventory = load_file(SAMPLES / "pulumi-docs_rest-api_stack-export_aws-provider-region.json")
    vpc = by_name(inventory)["main"]
    assert vpc.provider.endswith("pulumi:providers:aws::default_3_32_0")
    assert vpc.parent == inventory.source.stack_urn
    assert vpc.properties["mainRouteTableId"] == "rtb-01c36ce5fcc3ac797"  # an output: what was deployed
    assert "__defaults" not in vpc.properties and "__meta" not in vpc.properties
    assert vpc.region is None  # not OCI


def test_checkpoint_secrets_stay_ciphertext():
    role = by_name(load_file(SAMPLES / "pulumi-testdata_checkpoint-secrets.json"))["countDown_watcher-iamrole"]
    assert role.properties["assumeRolePolicy"] == Secret(UNKNOWN)


def test_event_log_values_unknown_at_preview_are_unknown():
    inventory = load_file(SAMPLES / "real-cli_preview_aws-webserver_unknowns.jsonl")
    stack = next(r for r in inventory.resources if r.token == "pulumi:pulumi:Stack")
    assert stack.properties["publicIp"] is UNKNOWN
    provider = by_name(load_file(SAMPLES / "engine_preview_provider-unknowns.jsonl"))["provA"]
    assert provider.properties["foo"] is UNKNOWN


def deployment_validator() -> Draft202012Validator:
    registry = Registry()
    schemas = {}
    for name in ("deployments", "resources", "property-values"):
        schema = json.loads((SAMPLES / f"{name}.schema.json").read_text())
        schemas[name] = schema
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft202012Validator(schemas["deployments"], registry=registry)


def without_null_dependencies(value):
    if isinstance(value, dict):
        return {k: without_null_dependencies(v) for k, v in value.items()
                if not (k == "propertyDependencies" and None in v.values())}
    return [without_null_dependencies(v) for v in value] if isinstance(value, list) else value


def test_the_real_and_the_generated_exports_follow_pulumis_schema():
    """The CLI writes `null` for an empty dependency list, which Pulumi's own schema does not allow;
    apart from that the real samples follow it, and so do the generated OCI exports."""
    validator = deployment_validator()
    export = json.loads((SAMPLES / "pulumi-docs_rest-api_stack-export_aws-provider-region.json").read_text())
    checkpoint = json.loads((SAMPLES / "pulumi-testdata_checkpoint-secrets.json").read_text())
    checkpoint = {"version": 3, "deployment": checkpoint["checkpoint"]["latest"]}
    for real in (export, checkpoint):
        assert list(validator.iter_errors(real))
        assert not list(validator.iter_errors(without_null_dependencies(real)))
    generated = pulumi_export([bucket("data", "iad", kmsKeyId=ciphertext())], providers={"fra": "eu-frankfurt-1"})
    assert not list(validator.iter_errors(generated))


# --- OCI states -------------------------------------------------------------------------------

def test_pulumi_regions_come_from_the_provider_and_from_deployed_ocids():
    replication = {"bucket": "data", "namespace": "ns", "name": "to-dr", "destinationBucketName": "dr",
                   "destinationRegionName": "us-phoenix-1"}
    inventory = inventory_from_state(pulumi_export([
        bucket("ashburn", "iad"),
        bucket("moved", "eu-frankfurt-1"),  # the default provider says Ashburn; the OCID says Frankfurt
        Deployed("oci:ObjectStorage/replicationPolicy:ReplicationPolicy", "fra-policy", replication, replication,
                 id="n/ns/b/data/replicationPolicies/x", provider="fra"),
        Deployed("oci:Identity/compartment:Compartment", "data", {"name": "data", "compartmentId": COMPARTMENT},
                 id="ocid1.compartment.oc1..aaaadata"),
    ], providers={"fra": "eu-frankfurt-1"}), "prod.json")
    resources = by_name(inventory)
    assert resources["ashburn"].region.region.name == "us-ashburn-1"
    moved = resources["moved"].region
    assert (moved.source, moved.region.name) == (RegionSource.DEPLOYED_OCID, "eu-frankfurt-1")
    assert "which says us-ashburn-1" in moved.reason
    policy = resources["fra-policy"].region
    assert (policy.source, policy.region.name) == (RegionSource.EXPLICIT_PROVIDER, "eu-frankfurt-1")
    assert resources["data"].region.region.name == "us-ashburn-1"  # a global OCID: the provider decides
    assert findings(inventory) == [("RES001", "fra-policy", None, True), ("RES001", "moved", None, True)]


def test_a_state_without_a_default_region_fails_closed():
    inventory = inventory_from_state(pulumi_export([
        Deployed("oci:Core/vcn:Vcn", "net", {"compartmentId": COMPARTMENT, "definedTags": TAGS}, id=None),
    ], default_region=None), "prod.json")
    assert findings(inventory) == [("RES001", "net", None, False)]
    assert "does not set oci:region" in by_name(inventory)["net"].region.reason


def test_secrets_are_checked_and_never_shown(tmp_path):
    key = "ocid1.key.oc1.eu-frankfurt-1.topsecretkey"
    path = write(tmp_path / "prod.json", pulumi_export([
        bucket("keyed", "iad", kmsKeyId=plaintext(key)),  # `pulumi stack export --show-secrets`
        bucket("sealed", "iad", kmsKeyId=ciphertext()),
        Deployed("oci:Core/vcn:Vcn", "net", {"compartmentId": COMPARTMENT, "definedTags": TAGS}, provider="hidden"),
    ], providers={"hidden": plaintext("eu-frankfurt-1")}))
    result = invoke(["check", str(path), "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    validate_document(document, file="findings.json")  # region_source deployed-ocid is in the schema
    assert key not in result.stdout and "topsecretkey" not in result.stdout
    shown = {(f["rule_id"], f["resource"]["name"]): f for f in document["findings"]}
    assert shown[("RES003", "keyed")]["proven"] and "[secret]" in json.dumps(shown[("RES003", "keyed")]["evidence"])
    assert not shown[("RES003", "sealed")]["proven"]  # ciphertext: what it names cannot be shown
    # a region kept secret decides nothing it could be shown for: unproven, and never printed
    assert shown[("RES001", "net")]["resource"]["region"] == "unresolved" and not shown[("RES001", "net")]["proven"]
    assert any(note.startswith("1 secret value(s) are ciphertext") for note in document["source"]["notes"])


TERRAFORM = [
    ("oci_objectstorage_bucket", "moved", {"id": "n/ns/b/moved", "bucket_id": ocid("bucket", "eu-frankfurt-1"),
                                           "compartment_id": COMPARTMENT, "defined_tags": TAGS}),
    ("oci_core_vcn", "net", {"id": ocid("vcn", "iad"), "compartment_id": COMPARTMENT, "defined_tags": TAGS,
                             "kms_key_id": "ocid1.key.oc1.phx.sensitivekey"}),
    ("oci_identity_compartment", "data", {"id": "ocid1.compartment.oc1..aaaadata", "name": "data"}),
    ("oci_objectstorage_object", "report", {"id": "n/ns/b/moved/o/report", "bucket": "moved",
                                            "defined_tags": TAGS}),
]


@pytest.mark.parametrize("build", [tfstate, shown_state], ids=["tfstate-v4", "show-json"])
def test_terraform_states_are_placed_by_their_ocids(build, tmp_path):
    sensitive = ({"net": [[{"type": "get_attr", "value": "kms_key_id"}]]} if build is tfstate
                 else {"net": {"kms_key_id": True}})
    path = write(tmp_path / "terraform.tfstate", build(TERRAFORM, sensitive=sensitive))
    inventory = load_file(path)
    assert inventory.source.kind == "terraform-state"
    resources = by_name(inventory)
    assert resources["oci_objectstorage_bucket.moved"].region.region.name == "eu-frankfurt-1"
    assert resources["oci_core_vcn.net"].region.region.name == "us-ashburn-1"
    assert resources["oci_core_vcn.net"].properties["kms_key_id"] == Secret("ocid1.key.oc1.phx.sensitivekey")
    assert resources["oci_identity_compartment.data"].region is None  # deployed IAM is in the home region
    assert "does not record" in resources["oci_objectstorage_object.report"].region.reason
    assert findings(inventory) == [
        ("RES001", "oci_objectstorage_bucket.moved", None, True),
        ("RES001", "oci_objectstorage_object.report", None, False),
    ]


@pytest.mark.parametrize("build", [tfstate, shown_state], ids=["tfstate-v4", "show-json"])
def test_a_deposed_object_is_deployed_under_its_own_name_and_urn(build, tmp_path):
    """A `create_before_destroy` replacement in Ashburn, and the Frankfurt database it replaced,
    deposed: Terraform destroys it at the next apply, so it exists until then. Named as Terraform's
    plan names it, it is judged on its own and no reference resolves to it."""
    current = {"compartment_id": COMPARTMENT, "db_name": "ledger", "defined_tags": TAGS, "whitelisted_ips": ["10.0.0.0/16"],
               "id": ocid("autonomousdatabase", "iad")}
    old = {**current, "id": ocid("autonomousdatabase", "eu-frankfurt-1", "old")}
    document = build([("oci_database_autonomous_database", "ledger", current)])
    if build is tfstate:
        document["resources"][0]["instances"].append({"schema_version": 0, "deposed": "5a4b2c1d", "attributes": old})
    else:
        resources = document["values"]["root_module"]["resources"]
        resources.append({**resources[0], "values": old, "deposed_key": "5a4b2c1d"})
    inventory = load_file(write(tmp_path / "terraform.tfstate", document))
    deposed = "oci_database_autonomous_database.ledger (deposed object 5a4b2c1d)"
    assert [(r.urn, r.name, r.region.region.name) for r in inventory.resources] == [
        ("oci_database_autonomous_database.ledger", "oci_database_autonomous_database.ledger", "us-ashburn-1"),
        (deposed, deposed, "eu-frankfurt-1"),
    ]
    assert findings(inventory) == [("RES001", deposed, None, True)]


def test_a_copy_pending_deletion_is_judged_apart_from_the_live_resource():
    """A replacement moved the bucket to Ashburn and dropped its tag; the Frankfurt copy, pending
    deletion, shares its URN in the state. Each is judged on its own (neither's tag is taken for the
    other's), under its own URN and name."""
    live = bucket("data", "iad")
    live.inputs = live.outputs = {k: v for k, v in live.outputs.items() if k != "definedTags"}
    document = pulumi_export([live, bucket("data", "eu-frankfurt-1")])
    document["deployment"]["resources"][-1]["delete"] = True
    inventory = inventory_from_state(document, "prod.json")
    urn = "urn:pulumi:prod::data::oci:ObjectStorage/bucket:Bucket::data"
    assert [(r.urn, r.name) for r in inventory.resources if r.token.startswith("oci:Object")] == [
        (urn, "data"), (f"{urn} (pending deletion)", "data (pending deletion)")]
    assert findings(inventory) == [("RES001", "data (pending deletion)", None, True), ("RES004", "data", "defined_tags", True)]


@pytest.mark.parametrize("build, where", [(tfstate, "resources[0].instances[0].deposed"),
                                          (shown_state, "values.root_module.resources[0].deposed_key")],
                         ids=["tfstate-v4", "show-json"])
def test_a_deposed_key_that_is_not_text_is_an_input_error(build, where, tmp_path):
    document = build([("oci_core_vcn", "net", {"id": ocid("vcn", "iad")})])
    if build is tfstate:
        document["resources"][0]["instances"][0]["deposed"] = 7
    else:
        document["values"]["root_module"]["resources"][0]["deposed_key"] = ["7"]
    with pytest.raises(InputError, match="expected a deposed object's key") as error:
        load_file(write(tmp_path / "terraform.tfstate", document))
    assert where in str(error.value)


def test_an_oci_preview_reads_new_states_unknowns_and_config(tmp_path):
    prefix = "urn:pulumi:prod::data::"
    provider = f"{prefix}pulumi:providers:oci::default_5_5_0::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    step = {"op": "create", "urn": f"{prefix}oci:ObjectStorage/replicationPolicy:ReplicationPolicy::to-dr",
            "provider": provider, "detailedDiff": None,
            "newState": {"urn": f"{prefix}oci:ObjectStorage/replicationPolicy:ReplicationPolicy::to-dr", "custom": True,
                         "type": "oci:ObjectStorage/replicationPolicy:ReplicationPolicy", "provider": provider,
                         "inputs": {"bucket": "data", "namespace": "ns", "name": "to-dr", "destinationBucketName": "dr",
                                    "destinationRegionName": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}}
    gone = {"op": "delete", "urn": f"{prefix}oci:Core/vcn:Vcn::old", "detailedDiff": None,
            "oldState": {"urn": f"{prefix}oci:Core/vcn:Vcn::old", "custom": True, "type": "oci:Core/vcn:Vcn"}}
    path = write(tmp_path / "preview.json", {"config": {"oci:region": "[secret]"}, "steps": [step, gone],
                                             "changeSummary": {"create": 1, "delete": 1}})
    inventory = load_file(path)
    assert [r.name for r in inventory.resources] == ["to-dr"]
    assert "encrypted secret" in inventory.resources[0].region.reason
    assert findings(inventory) == [("RES001", "to-dr", None, False), ("RES002", "to-dr", "destination_region_name", False)]


def test_an_oci_event_log_takes_the_default_providers_region_and_drops_deleted_resources(tmp_path):
    prefix = "urn:pulumi:prod::data::"
    provider_urn = f"{prefix}pulumi:providers:oci::default_5_5_0"

    def step(kind, op, urn, type_, inputs, outputs=None, provider=""):
        new = None if op == "delete" else {"type": type_, "urn": urn, "custom": True, "id": (outputs or {}).get("id", ""),
                                           "parent": "", "inputs": inputs, "outputs": outputs or {}, "provider": provider}
        return {kind: {"metadata": {"op": op, "urn": urn, "type": type_, "old": None, "new": new, "provider": provider}}}

    data = bucket("data", "iad")
    events = [
        {"sequence": 1, "preludeEvent": {"config": {"oci:region": "us-phoenix-1"}}},
        step("resOutputsEvent", "create", provider_urn, "pulumi:providers:oci", {"region": "eu-frankfurt-1"}, {"id": "p1"}),
        step("resOutputsEvent", "create", f"{prefix}oci:Core/vcn:Vcn::net", "oci:Core/vcn:Vcn",
             {"compartmentId": COMPARTMENT, "definedTags": TAGS}, provider=f"{provider_urn}::p1"),
        step("resOutputsEvent", "create", f"{prefix}{data.token}::data", data.token, data.inputs,
             {**data.outputs, "id": data.id}, provider=f"{provider_urn}::p1"),
        step("resOutputsEvent", "create", f"{prefix}oci:Core/vcn:Vcn::old", "oci:Core/vcn:Vcn", {}, provider=f"{provider_urn}::p1"),
        step("resourcePreEvent", "delete", f"{prefix}oci:Core/vcn:Vcn::old", "oci:Core/vcn:Vcn", {}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps({"sequence": i, **e}) for i, e in enumerate(events)) + "\n")
    inventory = load_file(path)
    resources = by_name(inventory)
    assert "old" not in resources
    assert resources["net"].region.region.name == "eu-frankfurt-1"  # the default provider's own inputs
    assert resources["data"].region.source is RegionSource.DEPLOYED_OCID
    assert findings(inventory) == [("RES001", "net", None, True)]


# --- detection and bad input ------------------------------------------------------------------

@pytest.mark.parametrize("content, expected", [
    ("{not json", "input.json:1: not JSON: Expecting property name"),
    ('{"hello": "world"}', "not a format residency reads: expected `pulumi stack export`"),
    ('{"version": 2, "deployment": {}}', "unsupported deployment version 2: expected 3 or 4"),
    ('{"version": 3, "deployment": {"resources": [{"urn": "u"}]}}', "deployment.resources[0].type"),
    ('{"version": 3, "lineage": "x", "resources": []}', "unsupported state version 3: expected 4"),
    ('{"format_version": "1.0", "values": {"root_module": {"resources": [{"type": "oci_core_vcn"}]}}}',
     "values.root_module.resources[0]"),
    ('{"steps": [{"urn": "u"}]}', "steps[0].op"),
    ('{"sequence": 0, "policyLoadEvent": {}}\n{"sequence": 1, "cancelEvent": {}}', "no resource steps in the event log"),
    # found by fuzzing: each was a crash
    ('{"steps": [{"op": "create", "newState": {"urn": "u", "type": "t", "provider": ["p"]}}]}',
     "(steps[0].newState.provider): expected a URN (text)"),
    ('{"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t", "parent": 7}]}}',
     "(deployment.resources[0].parent): expected a URN (text)"),
    ('{"version": 4, "lineage": "x", "resources": 5}', "(resources): expected a list"),
    ('{"version": 4, "lineage": "x", "resources": [{"module": {}, "type": "oci_core_vcn", "name": "n"}]}',
     "(resources[0].module): expected a module address (text)"),
    (('{"version": 4, "lineage": "x", "resources": [{"type": "oci_core_vcn", "name": "n", "instances": '
      '[{"index_key": [0], "attributes": {}}]}]}'), "(resources[0].instances[0].index_key): expected an instance key"),
])
def test_malformed_and_unknown_files_exit_2_naming_what_was_expected(content, expected, tmp_path):
    path = tmp_path / "input.json"
    path.write_text(content)
    result = invoke(["check", str(path)])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("build, marks", [
    (tfstate, [[{"type": "get_attr", "value": ["display_name"]}]]),  # a path step that names nothing
    (shown_state, True),  # the whole resource marked
], ids=["tfstate-v4", "show-json"])
def test_sensitive_marks_that_cannot_be_followed_hide_every_attribute(build, marks, tmp_path):
    """Found by fuzzing (each was a crash): marks the reader cannot follow may name any attribute,
    so none is shown; each is still judged."""
    document = build([("oci_core_vcn", "net", {"id": ocid("vcn", "iad"), "display_name": "net"})], sensitive={"net": marks})
    net = load_file(write(tmp_path / "terraform.tfstate", document)).resources[0]
    assert net.properties["display_name"] == Secret("net") and net.region.region.name == "us-ashburn-1"


def test_from_forces_the_format(tmp_path):
    path = write(tmp_path / "terraform.tfstate", tfstate(TERRAFORM))
    result = invoke(["check", str(path), "--from", "pulumi-state"])
    assert result.exit_code == 2 and "not a Pulumi state: expected `pulumi stack export`" in result.stderr
    assert invoke(["check", str(path), "--from", "terraform-state"]).exit_code == 1
    result = invoke(["check", str(tmp_path), "--from", "terraform-state"])
    assert result.exit_code == 2 and "--from names the format of a file" in result.stderr


def test_a_missing_state_file_is_an_input_error():
    with pytest.raises(InputError, match="file not found"):
        load_file(Path("no-such-state.json"))


def test_terraform_addresses_keep_modules_and_instance_keys(tmp_path):
    def instance(key, region):
        return {"index_key": key, "schema_version": 0, "attributes": {"id": ocid("vcn", region, str(key))}}

    raw = {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": [
        {"module": "module.net", "mode": "managed", "type": "oci_core_vcn", "name": "main",
         "provider": 'provider["registry.terraform.io/oracle/oci"].west', "instances": [instance(0, "phx"), instance("eu", "fra")]},
        {"mode": "data", "type": "oci_identity_regions", "name": "all", "provider": 'provider["registry.terraform.io/oracle/oci"]',
         "instances": [{"schema_version": 0, "attributes": {"id": "x"}}]},
    ]}
    shown = {"format_version": "1.0", "values": {"root_module": {"child_modules": [{"address": "module.net", "resources": [
        {"address": 'module.net.oci_core_vcn.main["eu"]', "mode": "managed", "type": "oci_core_vcn", "name": "main",
         "provider_name": "registry.terraform.io/oracle/oci", "values": {"id": ocid("vcn", "fra")}}]}]}}}
    inventory = load_file(write(tmp_path / "raw.tfstate", raw))
    assert [(r.urn, r.provider, r.region.region.name) for r in inventory.resources] == [
        ("module.net.oci_core_vcn.main[0]", "oci.west", "us-phoenix-1"),
        ('module.net.oci_core_vcn.main["eu"]', "oci.west", "eu-frankfurt-1"),
    ]
    inventory = load_file(write(tmp_path / "shown.json", shown))
    assert [(r.urn, r.region.region.name) for r in inventory.resources] == [('module.net.oci_core_vcn.main["eu"]', "eu-frankfurt-1")]


def _reading_stack() -> dict:
    """A stack whose bucket takes its key (a secret, so unknown here) from a key it only reads
    (`Key.get`) through a Frankfurt provider; it also reads another stack's bucket there."""
    key = Deployed("oci:Kms/key:Key", "shared-key", {}, {"managementEndpoint": "https://kms.example"},
                   id=ocid("key", "eu-frankfurt-1"), provider="fra")
    mine = bucket("mine", "iad", kmsKeyId=ciphertext())
    mine.inputs["kmsKeyId"] = ciphertext()
    document = pulumi_export([mine, key, bucket("theirs", "eu-frankfurt-1", provider="fra")],
                             providers={"fra": "eu-frankfurt-1"})
    entries = {e["urn"].rsplit("::", 1)[-1]: e for e in document["deployment"]["resources"]}
    entries["shared-key"]["external"] = entries["theirs"]["external"] = True
    entries["mine"]["propertyDependencies"] = {"kmsKeyId": [entries["shared-key"]["urn"]]}
    return document


def test_resources_a_stack_only_reads_are_left_to_their_owners_but_seen_where_they_are():
    """Not created by the stack, a resource it reads is not judged; a resource that takes a value
    from it is, by where it is (RES003, proven: the key is in Frankfurt)."""
    inventory = inventory_from_state(_reading_stack(), "prod.json")
    assert "theirs" not in by_name(inventory) and "shared-key" not in by_name(inventory)
    assert sorted(r.name for r in inventory.read.values()) == ["shared-key", "theirs"]
    assert any(n.startswith("2 resource(s) the stack only reads") for n in inventory.source.notes)
    assert findings(inventory) == [("RES003", "mine", "kms_key_id", True)]


def test_a_preview_and_an_event_log_read_what_a_stack_only_reads_as_its_state_does(tmp_path):
    """The same stack as a preview (`read` steps, secrets blinded) and as the event log of its
    update: what it reads is kept apart, and the bucket is judged by where its key is."""
    entries = _reading_stack()["deployment"]["resources"]
    steps = [{"op": "read" if e.get("external") else "create", "urn": e["urn"], "provider": e.get("provider", ""),
              "newState": {**e, "inputs": {k: "[secret]" if k == "kmsKeyId" else v for k, v in e.get("inputs", {}).items()}},
              "detailedDiff": None}
             for e in entries if not e["type"].startswith("pulumi:providers:") or not e["urn"].endswith("default_5_5_0")]
    preview = load_file(write(tmp_path / "preview.json", {"config": {"oci:region": "us-ashburn-1"}, "steps": steps}))
    events = [{"sequence": 0, "preludeEvent": {"config": {"oci:region": "us-ashburn-1"}}}] + [
        {"sequence": i + 1, "resOutputsEvent": {"metadata": {
            "op": "read" if e.get("external") else "create", "urn": e["urn"], "type": e["type"], "old": None,
            "new": {**e, "inputs": e.get("inputs", {}), "outputs": e.get("outputs", {}), "provider": e.get("provider", "")},
            "provider": e.get("provider", "")}}}
        for i, e in enumerate(entries)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    logged = load_file(path)
    for inventory in (preview, logged):
        assert sorted(r.name for r in inventory.read.values()) == ["shared-key", "theirs"], inventory.source.kind
        assert findings(inventory) == [("RES003", "mine", "kms_key_id", True)], inventory.source.kind


def test_a_preview_without_sames_says_why_a_provider_is_missing(tmp_path):
    prefix = "urn:pulumi:prod::data::"
    provider = f"{prefix}pulumi:providers:oci::primary::7d1c"
    urn = f"{prefix}oci:Core/vcn:Vcn::net"
    step = {"op": "update", "urn": urn, "provider": provider, "detailedDiff": None,
            "newState": {"urn": urn, "custom": True, "type": "oci:Core/vcn:Vcn", "provider": provider,
                         "inputs": {"compartmentId": COMPARTMENT, "definedTags": TAGS}}}
    inventory = load_file(write(tmp_path / "preview.json", {"steps": [step], "changeSummary": {"update": 1}}))
    assert "is not in the preview, which lists only what changes" in inventory.resources[0].region.reason
    assert findings(inventory) == [("RES001", "net", None, False)]


def test_a_checkpoint_takes_the_region_from_its_config_and_an_encrypted_one_is_unproven():
    resources = [{"urn": "urn:pulumi:prod::data::oci:Core/vcn:Vcn::net", "custom": True, "type": "oci:Core/vcn:Vcn",
                  "inputs": {"compartmentId": COMPARTMENT, "definedTags": TAGS}}]  # no default provider in the state

    def checkpoint(region):
        return {"version": 3, "checkpoint": {"stack": "prod", "config": {"oci:region": region},
                                             "latest": {"manifest": {}, "resources": resources}}}

    assert findings(inventory_from_state(checkpoint("eu-frankfurt-1"), "prod.json")) == [("RES001", "net", None, True)]
    sealed = inventory_from_state(checkpoint({"secure": "v1:abc"}), "prod.json")
    assert findings(sealed) == [("RES001", "net", None, False)]
    assert "encrypted secret" in sealed.resources[0].region.reason


def test_a_replacement_in_a_preview_is_not_placed_by_the_old_resources_ocid(tmp_path):
    prefix = "urn:pulumi:prod::data::"
    urn = f"{prefix}oci:ObjectStorage/bucket:Bucket::data"
    moved_to_frankfurt = {"op": "replace", "urn": urn, "detailedDiff": None, "newState": {
        "urn": urn, "custom": True, "type": "oci:ObjectStorage/bucket:Bucket", "id": "n/ns/b/data",
        "provider": f"{prefix}pulumi:providers:oci::fra::1",
        "inputs": {"compartmentId": COMPARTMENT, "namespace": "ns", "name": "data", "definedTags": TAGS},
        "outputs": {"bucketId": ocid("bucket", "iad")}}}  # the old bucket's, in Ashburn
    provider = {"op": "same", "urn": f"{prefix}pulumi:providers:oci::fra", "detailedDiff": None, "newState": {
        "urn": f"{prefix}pulumi:providers:oci::fra", "custom": True, "type": "pulumi:providers:oci", "id": "1",
        "inputs": {"region": "eu-frankfurt-1"}}}
    inventory = load_file(write(tmp_path / "preview.json", {"steps": [provider, moved_to_frankfurt]}))
    region = by_name(inventory)["data"].region
    assert (region.source, region.region.name) == (RegionSource.EXPLICIT_PROVIDER, "eu-frankfurt-1")
    assert findings(inventory) == [("RES001", "data", None, True)]
