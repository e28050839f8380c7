"""The resource catalogue, checked against the installed pulumi_oci classes."""

import importlib
import importlib.util
import json
import re
from functools import cache
from pathlib import Path

import pulumi_oci
import pytest
from conftest import REPO

from residency.catalog import CATALOG, ResourceKind


@cache
def pulumi_oci_classes() -> dict[str, tuple[str, str]]:
    """token -> (module, class name), from pulumi_oci's own registration table."""
    source = Path(pulumi_oci.__file__).read_text(encoding="utf-8")
    modules = json.loads(re.search(r'resource_modules="""(.*?)"""', source, re.DOTALL).group(1))
    return {token: (m["fqn"], cls) for m in modules for token, cls in m["classes"].items()}


def input_fields(cls) -> dict[str, str]:
    """Python property name -> its annotation, for a pulumi_oci Args class."""
    return {
        name: str(prop.fget.__annotations__.get("return"))
        for name, prop in vars(cls).items()
        if isinstance(prop, property) and hasattr(prop.fget, "_pulumi_name")
    }


MOVEMENTS = [(token, field) for token in sorted(CATALOG.movement_tokens) for field in CATALOG.movements(token)]
EXTERNAL_KEYS = [(token, field) for token in sorted(CATALOG.external_key_tokens) for field in CATALOG.external_keys(token)]
FIELDS = MOVEMENTS + EXTERNAL_KEYS


@pytest.mark.parametrize("token, field", FIELDS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in FIELDS])
def test_every_movement_field_exists_in_pulumi_oci_with_the_right_shape(token, field):
    module_name, class_name = pulumi_oci_classes()[token]
    module = importlib.import_module(module_name)
    inputs = importlib.import_module(module_name + "._inputs")
    cls = getattr(module, class_name + "Args")
    segments = field.path.split(".")
    for index, segment in enumerate(segments):
        fields = input_fields(cls)
        name = segment.removesuffix("[]")
        assert name in fields, f"{token}: no {name} in {cls.__name__}"
        annotation = fields[name]
        assert segment.endswith("[]") == ("Sequence[" in annotation), f"{token}: {segment} list-ness is wrong"
        nested = re.findall(r"'(\w+Args)'", annotation)
        if index < len(segments) - 1:
            cls = getattr(inputs, nested[0])
        else:
            assert not nested, f"{token}: {field.path} ends at a block, not a value"


def test_movement_kinds_are_known():
    assert {f.kind for _, f in MOVEMENTS} == {"region", "availability_domain", "ocid"}


def test_region_less_fields_and_mover_sources_are_known():
    assert CATALOG.names_region_less("compartment_id") and CATALOG.names_region_less("source_compartment_ids")
    assert not CATALOG.names_region_less("kms_key_id") and not CATALOG.names_region_less("subnet_id")
    for token in CATALOG.movement_tokens:
        spec = CATALOG.mover_sources(token)
        if spec is not None and spec.assigned_by is not None:
            assert spec.assigned_by in pulumi_oci_classes()


@pytest.mark.parametrize("token", sorted(CATALOG.identity | CATALOG.data_bearing | CATALOG.movement_tokens
                                         | CATALOG.external_key_tokens))
def test_every_catalogued_token_is_a_pulumi_oci_resource_with_a_terraform_type(token):
    assert token in pulumi_oci_classes()
    terraform = CATALOG.terraform_type(token)
    assert terraform and CATALOG.is_oci_terraform_type(terraform)
    assert CATALOG.token(terraform) == token


def test_the_field_notes_table_is_covered():
    expected = {
        "oci:ObjectStorage/replicationPolicy:ReplicationPolicy", "oci:ObjectStorage/storageObject:StorageObject",
        "oci:Core/volumeBackup:VolumeBackup", "oci:Core/bootVolumeBackup:BootVolumeBackup",
        "oci:Core/volumeGroupBackup:VolumeGroupBackup", "oci:Core/volumeBackupPolicy:VolumeBackupPolicy",
        "oci:Core/volume:Volume", "oci:Core/bootVolume:BootVolume", "oci:Core/volumeGroup:VolumeGroup",
        "oci:Database/autonomousDatabase:AutonomousDatabase", "oci:Database/autonomousDatabaseBackup:AutonomousDatabaseBackup",
        "oci:Database/autonomousContainerDatabase:AutonomousContainerDatabase", "oci:Database/database:Database",
        "oci:Database/dataGuardAssociation:DataGuardAssociation", "oci:Core/remotePeeringConnection:RemotePeeringConnection",
        "oci:FileStorage/replication:Replication", "oci:Vault/secret:Secret", "oci:Kms/vaultVerification:VaultVerification",
        "oci:Nosql/tableReplica:TableReplica", "oci:Identity/domainReplicationToRegion:DomainReplicationToRegion",
        "oci:Mysql/mysqlDbSystem:MysqlDbSystem", "oci:Psql/dbSystem:DbSystem",
        "oci:DisasterRecovery/drProtectionGroup:DrProtectionGroup", "oci:Sch/connector:Connector",
        "oci:DataScience/modelArtifactImport:ModelArtifactImport",
        "oci:DataIntegration/workspaceExportRequest:WorkspaceExportRequest", "oci:Oce/instance:Instance",
    }
    assert expected <= CATALOG.movement_tokens


@pytest.mark.parametrize(
    "token, terraform",
    [
        ("oci:ObjectStorage/bucket:Bucket", "oci_objectstorage_bucket"),
        ("oci:ObjectStorage/storageObject:StorageObject", "oci_objectstorage_object"),
        ("oci:Kms/vaultVerification:VaultVerification", "oci_kms_vault_replication"),
        ("oci:Sch/connector:Connector", "oci_sch_service_connector"),
        ("oci:Core/ipv6:Ipv6", "oci_core_ipv6"),  # newer than the reference table: derived and verified
    ],
)
def test_tokens_map_to_terraform_types(token, terraform):
    assert CATALOG.terraform_type(token) == terraform


def test_unknown_tokens_have_no_terraform_type():
    assert CATALOG.terraform_type("oci:Nothing/here:Here") is None
    assert CATALOG.terraform_type("aws:s3/bucket:Bucket") is None


def test_kinds():
    assert CATALOG.kind("oci:Identity/policy:Policy") is ResourceKind.IDENTITY
    assert CATALOG.kind("oci:Limits/quota:Quota") is ResourceKind.IDENTITY
    assert CATALOG.kind("oci:Identity/domain:Domain") is ResourceKind.REGIONAL  # identity domains are regional
    assert CATALOG.kind("oci:Core/vcn:Vcn") is ResourceKind.REGIONAL
    assert CATALOG.kind("random:index/randomId:RandomId") is ResourceKind.NOT_OCI


def test_an_oci_terraform_type_the_catalogue_does_not_know_is_still_regional():
    from residency.catalog import ResourceKind
    from residency.inventory import Resource

    newer = Resource(urn="oci_shiny_new_thing.x", name="x", token="", terraform_type="oci_shiny_new_thing",
                     custom=True, properties={}, naming="terraform")
    other = Resource(urn="aws_s3_bucket.x", name="x", token="", terraform_type="aws_s3_bucket",
                     custom=True, properties={}, naming="terraform")
    assert (newer.kind, other.kind) == (ResourceKind.REGIONAL, ResourceKind.NOT_OCI)


SUGGESTIVE = re.compile(r"(^|_)(region|regions|region_name|availability_domain|peer\w*|destination\w*|replica\w*|standby\w*"
                        r"|remote\w*|dr_\w+|target_region|copy_to\w*|backup_region|source_region)$")


@cache
def cached_input_fields(cls) -> dict[str, str]:
    return input_fields(cls)


def suggestive_fields(cls, inputs, prefix="", depth=0):
    """Input paths (catalogue notation) whose names suggest a region, a peer, a destination or a replica."""
    for name, annotation in cached_input_fields(cls).items():
        path = prefix + name + ("[]" if "Sequence[" in annotation else "")
        nested = re.findall(r"'(\w+Args)'", annotation)
        if nested and depth < 4 and inputs is not None and hasattr(inputs, nested[0]):
            yield from suggestive_fields(getattr(inputs, nested[0]), inputs, path + ".", depth + 1)
        elif not nested and SUGGESTIVE.search(name):
            yield path


def test_every_field_that_suggests_movement_is_catalogued_or_reviewed():
    """pulumi-oci's schema, type by type: a field named like a region, a peer, a destination or a
    replica is a movement, a key outside OCI, or reviewed in oci_types.yaml with the reason."""
    from importlib import resources, util  # noqa: F401 (util: find_spec)

    from ruamel.yaml import YAML

    reviewed = YAML(typ="safe").load(resources.files("residency.catalog").joinpath("oci_types.yaml").read_text())["reviewed_fields"]
    by_name = {name for group in reviewed["names"] for name in group["fields"]}
    missing = []
    for token, (module_name, class_name) in sorted(pulumi_oci_classes().items()):
        module = importlib.import_module(module_name)
        args = getattr(module, class_name + "Args", None)
        if args is None:
            continue
        catalogued = {f.path for f in CATALOG.movements(token)} | {f.path for f in CATALOG.external_keys(token)}
        catalogued |= set(reviewed["paths"].get(token, {}).get("fields", ()))
        inputs = importlib.import_module(module_name + "._inputs") if importlib.util.find_spec(module_name + "._inputs") else None
        for path in suggestive_fields(args, inputs):
            if path not in catalogued and path.rsplit(".", 1)[-1].removesuffix("[]") not in by_name:
                missing.append(f"{token} {path}")
    assert missing == []


def _nested_blocks_generator():
    spec = importlib.util.spec_from_file_location("generate_nested_blocks", REPO / "scripts" / "generate_nested_blocks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("token", ["oci:Vault/secret:Secret", "oci:Core/volume:Volume", "oci:Psql/dbSystem:DbSystem",
                                   "oci:Mysql/mysqlDbSystem:MysqlDbSystem", "oci:ObjectStorage/storageObject:StorageObject",
                                   "oci:FileStorage/mountTarget:MountTarget", "oci:CloudGuard/target:Target"])
def test_nested_blocks_are_what_pulumi_oci_says(token):
    """nested_blocks.json, regenerated for a few types: which blocks the provider computes, what they hold."""
    expected = _nested_blocks_generator().blocks_of(token)
    assert expected
    for name, entry in expected.items():
        block = CATALOG.nested_block(token, name)
        assert (block.computed, list(block.references)) == (entry["computed"], entry["references"]), name
    assert CATALOG.nested_block("oci:Vault/secret:Secret", "replication_config").computed is False
    assert CATALOG.nested_block("oci:Core/volume:Volume", "block_volume_replicas").computed is True


def _documented_as_ocids(fields, description_of, prefix="", seen=frozenset()):
    """(path, description) of the value and list inputs below `fields` whose description names an OCID."""
    for field in fields.values():
        path = prefix + field.python_name
        if field.nested:
            if field.nested not in seen:
                nested = getattr(importlib.import_module(field.module + "._inputs"), field.nested)
                yield from _documented_as_ocids(field.nested_fields(), nested, path + ".", seen | {field.nested})
        elif "ocid" in (description := vars(description_of)[field.python_name].fget.__doc__ or "").lower():
            yield path, description


def test_every_input_documented_as_an_ocid_is_read_as_one_or_reviewed():
    """pulumi-oci's schema, type by type: an input whose description names an OCID is a `*_id`
    field, in `ocid_fields` (RES003 places it), or in `ocid_fields_left_out` with the reason."""
    from importlib import resources

    from ruamel.yaml import YAML

    from residency.export.terraform_schema import input_fields as schema_fields

    types = YAML(typ="safe").load(resources.files("residency.catalog").joinpath("oci_types.yaml").read_text())
    reviewed = {(token, path) for group in types["ocid_fields_left_out"] for token, paths in group["fields"].items()
                for path in paths}
    read = {(token, path) for token, paths in types["ocid_fields"].items() for path in paths}
    assert not reviewed & read
    documented = set()
    for token, (module_name, class_name) in sorted(pulumi_oci_classes().items()):
        args = getattr(importlib.import_module(module_name), class_name + "Args", None)
        if args is not None:
            documented |= {(token, path) for path, _ in _documented_as_ocids(schema_fields(token) or {}, args)
                           if not (path.endswith((".id", "_id", "_ids")) or path == "id")}
    assert sorted(documented - read - reviewed) == []
    assert sorted(reviewed - documented) == []  # each reviewed field is still one pulumi-oci documents so
    assert sorted(read - documented) == []  # each is an input (in its snake_case path) documented as an OCID, not *_id
