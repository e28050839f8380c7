"""Decoding Pulumi property values and reading fields whatever the source's naming."""

from residency.inventory.values import (
    UNKNOWN,
    FieldValue,
    Secret,
    Template,
    from_pulumi,
    leaves,
    scan_text,
    select,
    to_pulumi,
)

SIG = "4dabf18193072939515e22adb298388d"


def test_pulumi_special_values_are_decoded():
    raw = {
        "region": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "key": {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": "ocid1.key.oc1.iad.a.b"},
        "encrypted": {SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"},
        "shown": {SIG: "1b47061264138c4ac30d75fd1eb44270", "plaintext": "\"us-ashburn-1\""},
        "output": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "secret": True},
        "nested": [{"ad": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}],
    }
    assert from_pulumi(raw) == {
        "region": UNKNOWN,
        "key": Secret("ocid1.key.oc1.iad.a.b"),
        "encrypted": Secret(UNKNOWN),
        "shown": Secret("us-ashburn-1"),
        "output": Secret(UNKNOWN),
        "nested": [{"ad": UNKNOWN}],
    }


def test_encoding_round_trips():
    value = {"a": UNKNOWN, "b": Secret("x"), "c": [1, Secret(UNKNOWN)]}
    assert from_pulumi(to_pulumi(value)) == value


def test_select_reads_pulumi_and_terraform_shapes_alike():
    pulumi_props = {"backupPolicy": {"copyPolicies": [{"copyToRegion": "phx"}, {"copyToRegion": UNKNOWN}]}}
    terraform_props = {"backup_policy": [{"copy_policies": [{"copy_to_region": "phx"}, {"copy_to_region": UNKNOWN}]}]}
    path = ("backup_policy", "copy_policies", "copy_to_region")
    got_pulumi = [(v.path, v.value) for v in select(pulumi_props, path, "pulumi")]
    got_terraform = [(v.path, v.value) for v in select(terraform_props, path, "terraform")]
    assert got_pulumi == [("backup_policy.copy_policies[0].copy_to_region", "phx"), ("backup_policy.copy_policies[1].copy_to_region", UNKNOWN)]
    assert got_terraform == [("backup_policy[0].copy_policies[0].copy_to_region", "phx"), ("backup_policy[0].copy_policies[1].copy_to_region", UNKNOWN)]


def test_an_unknown_or_secret_block_is_reported_where_it_stands():
    props = {"sourceDetails": UNKNOWN, "replicationConfig": Secret({"replicationTargets": [{"targetRegion": "fra"}]})}
    (unknown,) = select(props, ("source_details", "region"), "pulumi")
    assert (unknown.path, unknown.known) == ("source_details", False)
    (secret,) = select(props, ("replication_config", "replication_targets", "target_region"), "pulumi")
    assert (secret.value, secret.secret, secret.shown()) == ("fra", True, "[secret]")


def test_absent_fields_give_nothing():
    assert list(select({"a": None}, ("a",), "pulumi")) == []
    assert list(select({}, ("a", "b"), "pulumi")) == []


def test_leaves_walk_every_value():
    assert [(v.path, v.value) for v in leaves({"a": {"b": [1, "x"]}, "c": Secret("s")})] == [("a.b[0]", 1), ("a.b[1]", "x"), ("c", "s")]


def _known_strings_with(properties, text):
    return [v for v in leaves(properties) if v.known and isinstance(v.value, str) and text in v.value.lower()]


def test_scan_text_finds_the_strings_a_walk_over_every_leaf_finds():
    properties = {
        "compartment_id": "ocid1.compartment.oc1..aaa",
        "kms_key_id": Secret("OCID1.KEY.OC1.FRA.a.b"),
        "unknown": UNKNOWN,
        "template": Template(("ocid1.key.oc1.iad.", UNKNOWN)),
        "blocks": [{"id": "ocid1.vault.oc1.phx.x", "n": 3, "ok": True, "none": None},
                   [["ocid1.subnet.oc1.iad.y", 1.5]], Secret({"inner": ["x", "ocid1.image.oc1.lhr.z"]})],
        "tags": {"Team.Name": "data", 7: "ocid1.key.oc1.sjc.q"},
        "": "ocid1.bucket.oc1.iad.k",
    }
    found = scan_text(properties, "ocid1.").strings
    assert found == _known_strings_with(properties, "ocid1.")
    assert [(v.path, v.secret) for v in found] == [
        ("compartment_id", False), ("kms_key_id", True), ("blocks[0].id", False), ("blocks[1][0][0]", False),
        ("blocks[2].inner[1]", True), ("tags.7", False), ("", False)]
    secret = {"list": Secret(["ocid1.key.oc1.iad.s"])}
    assert scan_text(secret, "ocid1.").strings == _known_strings_with(secret, "ocid1.")


def test_scan_text_finds_a_text_in_any_case_whatever_its_caseless_part_skips():
    # A string without `1.` cannot hold `ocid1.` in any case; one with it is still read in lower case.
    values = ["OCID1.KEY.OC1.IAD.a", "Ocid1.x", "version 1.2", "ocid1", "ocid 1.", "İocid1.x", "ＯCID1.x", "ocıd1.x",
              "ocid1.", "1.ocid", "K.ocid1.Kelvin"]
    properties = {f"v{index}": value for index, value in enumerate(values)} | {"nested": {"list": values}}
    assert scan_text(properties, "ocid1.").strings == _known_strings_with(properties, "ocid1.")
    assert [v.value for v in scan_text(properties, "ocid1.").strings][:6] == [
        "OCID1.KEY.OC1.IAD.a", "Ocid1.x", "İocid1.x", "ocid1.", "K.ocid1.Kelvin", "OCID1.KEY.OC1.IAD.a"]
    assert scan_text({"a": "A.B"}, "a.b").strings == [FieldValue("a", "A.B", False)]
    assert scan_text({"a": "AB"}, "ab").strings == [FieldValue("a", "AB", False)]  # no caseless part: every string is read


def test_scan_text_names_the_properties_that_hold_values_known_only_after_apply():
    properties = {
        "name": "bucket",
        "unknown": UNKNOWN,
        "template": Template(("ocid1.key.oc1.iad.", UNKNOWN)),
        "secret": Secret(UNKNOWN),
        "deep": [{"a": "x"}, Secret({"b": [1, UNKNOWN]})],
        "known": {"a": [1, "ocid1.key.oc1.iad.k", None, True]},
        "number": 3,
    }
    assert scan_text(properties, "ocid1.").unknown_keys == ["unknown", "template", "secret", "deep"]
    skipped = scan_text(properties, "ocid1.", frozenset({"known", "deep"}))
    assert (skipped.strings, skipped.unknown_keys) == ([], ["unknown", "template", "secret"])


def test_the_labels_no_service_reads_as_references_are_the_tags_in_both_namings():
    from residency.catalog import CATALOG

    assert CATALOG.labels == {"defined_tags", "freeform_tags", "system_tags", "definedTags", "freeformTags", "systemTags"}


def test_a_resource_s_first_value_is_what_select_finds_first():
    from residency.inventory import Resource

    properties = {"name": "a", "tags": {"k": "v"}, "none": None, "unknown": UNKNOWN, "count": 3, "flag": False,
                  "secret": Secret("s"), "list": [None, {"id": "x"}], "empty": [], "template": Template(("a", UNKNOWN)),
                  "isIpv6enabled": True, "displayName": "shown"}
    for naming in ("pulumi", "terraform"):
        resource = Resource(urn="u", name="n", token="t", terraform_type=None, custom=True, properties=properties, naming=naming)
        for path in [*properties, "missing", "display_name", "is_ipv6enabled", "list.id", "tags.k"]:
            assert resource.first(path) == next(select(properties, tuple(path.split(".")), naming), None), (naming, path)
