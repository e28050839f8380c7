"""The exposure catalogue, checked against pulumi_oci, and RES105 generated over it: for every
catalogued field, a protected resource with a public value fails with that field as path, in
Pulumi's and in Terraform's shape; a private value passes; an unknown one is unproven; an absent
one follows OCI's default. Inventories are built directly, so this stays fast."""

import importlib
import re

import pytest
from test_catalog import input_fields, pulumi_oci_classes

from residency.catalog import CATALOG
from residency.catalog.exposure import KINDS, as_bool, exposure_catalog, field_segments, is_everywhere
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo
from residency.policy import load_policy
from residency.rules import RuleContext
from residency.rules.exposure import PublicExposure

CATALOGUE = exposure_catalog()
FIELDS = [(token, f) for token, entry in sorted(CATALOGUE.types.items()) for f in entry.fields if f.path]
VALUED = [(t, f) for t, f in FIELDS if f.kind in ("boolean", "values", "cidr", "allowlist")]
IDS = [f"{t.split(':')[-1]}.{f.path}" for t, f in VALUED]
RULE = PublicExposure()


def field_annotation(token: str, path: str) -> str:
    module_name, class_name = pulumi_oci_classes()[token]
    cls = getattr(importlib.import_module(module_name), class_name + "Args")
    inputs = importlib.import_module(module_name + "._inputs")
    segments = path.split(".")
    for index, segment in enumerate(segments):
        fields = input_fields(cls)
        name = segment.removesuffix("[]")
        assert name in fields, f"{token}: no {name} in {cls.__name__}"
        assert segment.endswith("[]") == ("Sequence[" in fields[name]), f"{token}: {segment} list-ness is wrong"
        if index < len(segments) - 1:
            cls = getattr(inputs, re.findall(r"'(\w+Args)'", fields[name])[0])
    return fields[name]


@pytest.mark.parametrize("token, field", FIELDS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in FIELDS])
def test_every_exposure_field_exists_in_pulumi_oci(token, field):
    field_annotation(token, field.path)
    parent = field.path.rsplit(".", 1)[0] + "." if "." in field.path else ""
    for sibling in [*field.only, *([field.type] if field.type else [])]:
        field_annotation(token, parent + sibling)
    for top_level in field.unless:
        field_annotation(token, top_level)
    if field.subnet:
        field_annotation(token, field.subnet)


@pytest.mark.parametrize("token", sorted(CATALOGUE.types))
def test_every_catalogued_type_has_its_terraform_name_and_known_kinds(token):
    entry = CATALOGUE.get(token)
    assert CATALOG.terraform_type(token) == entry.terraform
    assert token in pulumi_oci_classes()
    for field in entry.fields:
        assert field.kind in KINDS and field.means
        assert field.default in (None, "public", "private", "subnet")
        assert (field.default == "subnet") <= bool(field.subnet or field.kind == "subnet")
    if entry.protected_by:
        assert entry.protected_by in input_fields(getattr(
            importlib.import_module(pulumi_oci_classes()[token][0]), pulumi_oci_classes()[token][1] + "Args"))


def test_types_that_are_never_a_way_in_are_real_and_say_why():
    for token, reason in CATALOGUE.never.items():
        assert token in pulumi_oci_classes() and token not in CATALOGUE.types and reason
    required = {"oci:Core/natGateway:NatGateway", "oci:Core/serviceGateway:ServiceGateway"}
    assert required <= set(CATALOGUE.never)


def test_the_catalogue_covers_what_the_issue_lists():
    listed = {
        "oci_core_instance", "oci_core_instance_configuration", "oci_core_vnic_attachment", "oci_core_public_ip",
        "oci_load_balancer_load_balancer", "oci_network_load_balancer_network_load_balancer",
        "oci_containerengine_cluster", "oci_containerengine_node_pool", "oci_apigateway_gateway",
        "oci_database_autonomous_database", "oci_objectstorage_bucket", "oci_objectstorage_preauthrequest",
        "oci_streaming_stream_pool", "oci_file_storage_mount_target", "oci_bastion_bastion",
        "oci_core_virtual_circuit",
    }
    assert listed <= {entry.terraform for entry in CATALOGUE.types.values()}


@pytest.mark.parametrize("value, everywhere", [
    ("0.0.0.0/0", True), ("::/0", True), (" 0.0.0.0/0 ", True), ("0.0.0.0/0.0.0.0", True),
    ("10.0.0.0/16", False), ("10.0.1.0/24", False), ("192.168.0.0/16", False), ("0.0.0.0/1", False),
    ("203.0.113.7", False), ("2001:db8::/32", False), ("ocid1.vcn.oc1.iad.aaaa", False), ("all-iad-services", False),
])
def test_cidrs_are_compared_as_networks(value, everywhere):
    assert is_everywhere(value) is everywhere


@pytest.mark.parametrize("value, converted", [
    (True, True), (False, False), ("true", True), ("false", False), ("1", True), ("0", False),
    (" False ", None), ("TRUE", None), ("yes", None), (1, None),  # Terraform (cty) converts none of these
])
def test_booleans_convert_as_the_provider_converts_them(value, converted):
    assert as_bool(value) is converted


# Building resources in each source's shape


def shaped(token: str, path: str, leaf, naming: str, extra: dict | None = None) -> tuple[dict, str]:
    """(properties with `leaf` at `path` and `extra` beside it, the path a finding names: in
    Terraform's names, whatever the source). Terraform writes blocks as one-element lists and some
    list names in the singular; Pulumi writes camelCase objects."""
    segments, names = path.split("."), field_segments(token, path, naming)
    terraform_names = field_segments(token, path, "terraform")

    def key(name):
        return camel(name) if naming == "pulumi" else name

    node = {key(names[-1]): [leaf] if segments[-1].endswith("[]") else leaf,
            **{key(k): v for k, v in (extra or {}).items()}}
    for segment, name in reversed(list(zip(segments[:-1], names[:-1], strict=True))):
        node = {key(name): [node] if segment.endswith("[]") or naming == "terraform" else node}
    shown = [name + ("[0]" if segment.endswith("[]") or (naming == "terraform" and index < len(segments) - 1) else "")
             for index, (segment, name) in enumerate(zip(segments, terraform_names, strict=True))]
    return node, ".".join(shown)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def findings(token: str, properties: dict, naming: str, write, extra_resources=()) -> list:
    resource = Resource(f"urn:{token}::r", "r", token, None, True, properties, naming)
    inventory = Inventory(SourceInfo("test", "test"), [resource, *extra_resources])
    return list(RULE.check(resource, RuleContext(policy(write), inventory)))


def policy(write):
    return load_policy(write({"policy.yaml": POLICY}) / "policy.yaml")


POLICY = """\
version: 1
regions: {allowed: [us-ashburn-1], home: us-ashburn-1}
classification: {tag_namespace: DataGovernance, tag_key: Classification, levels: [public, restricted], protected: [restricted]}
"""


def public_values(field) -> list:
    if field.kind == "boolean":
        return [field.public, str(field.public).lower()]  # Terraform's strings convert to the bool
    if field.kind == "values":
        return [*field.public, str(field.public[0]).lower()]
    return ["0.0.0.0/0", "::/0"]


def private_value(field):
    if field.kind == "boolean":
        return not field.public
    if field.kind == "values":
        return "a-private-value"
    return "10.0.0.0/16"


def siblings(field) -> dict:
    return dict(field.only)


@pytest.mark.parametrize("naming", ["pulumi", "terraform"])
@pytest.mark.parametrize("token, field", VALUED, ids=IDS)
def test_each_public_value_fails_with_its_field_as_path(token, field, naming, write):
    for value in public_values(field):
        properties, path = shaped(token, field.path, value, naming, siblings(field))
        found = [v for v in findings(token, properties, naming, write) if v.path == path]
        assert len(found) == 1 and found[0].proven, (value, path, [(v.path, v.message) for v in findings(token, properties, naming, write)])
        assert field.means in found[0].message


@pytest.mark.parametrize("naming", ["pulumi", "terraform"])
@pytest.mark.parametrize("token, field", VALUED, ids=IDS)
def test_a_private_value_passes_and_an_unknown_one_is_unproven(token, field, naming, write):
    properties, path = shaped(token, field.path, private_value(field), naming, siblings(field))
    assert [v for v in findings(token, properties, naming, write) if v.path == path] == []
    properties, path = shaped(token, field.path, UNKNOWN, naming, siblings(field))
    unknown = [v for v in findings(token, properties, naming, write) if v.path == path]
    assert len(unknown) == 1 and not unknown[0].proven and "known only after apply" in unknown[0].message


DEFAULTS = [(t, f) for t, f in VALUED if f.default in ("public", "private") and "[]" not in f.path]


@pytest.mark.parametrize("token, field", DEFAULTS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in DEFAULTS])
def test_an_absent_field_follows_ocis_default(token, field, write):
    properties = shaped(token, field.path, None, "pulumi")[0]  # the blocks are there, the field is not
    found = [v for v in findings(token, properties, "pulumi", write) if v.path == field.path]
    assert bool(found) == (field.default == "public"), [v.message for v in found]
    if found:
        assert "OCI's default is public" in found[0].message


REQUIRED = [(t, f) for t, f in FIELDS if f.kind == "required"]


@pytest.mark.parametrize("token, field", REQUIRED, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in REQUIRED])
def test_a_service_without_its_private_endpoint_block_is_public(token, field, write):
    absent = [v for v in findings(token, {}, "terraform", write) if v.path == field.path]
    assert len(absent) == 1 and absent[0].proven and field.means in absent[0].message
    present = {field.path: [{"subnet_id": "ocid1.subnet.oc1.iad.aaaa"}]}
    assert [v for v in findings(token, present, "terraform", write) if v.path == field.path] == []


def test_a_private_endpoint_makes_the_autonomous_database_allowlist_irrelevant(write):
    token = "oci:Database/autonomousDatabase:AutonomousDatabase"
    public = findings(token, {}, "terraform", write)
    assert {v.path for v in public} == {"whitelisted_ips"}
    assert findings(token, {"subnet_id": UNKNOWN, "is_mtls_connection_required": "false"}, "terraform", write) == []


def test_a_disabled_internet_gateway_written_as_a_string_is_disabled(write):
    token = "oci:Core/internetGateway:InternetGateway"
    assert findings(token, {"enabled": "false"}, "terraform", write) == []
    assert [v.path for v in findings(token, {"enabled": "true"}, "terraform", write)] == ["enabled"]


def subnet(name, public: bool):
    return Resource(f"urn:subnet::{name}", name, "oci:Core/subnet:Subnet", None, True,
                    {"prohibit_public_ip_on_vnic": not public}, "terraform")


SUBNET_FIELDS = [(t, f) for t, f in FIELDS if f.kind == "subnet"]


@pytest.mark.parametrize("token, field", SUBNET_FIELDS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in SUBNET_FIELDS])
def test_an_endpoint_is_public_where_its_subnet_allows_public_ips(token, field, write):
    properties, path = shaped(token, field.path, "ocid1.subnet.oc1.iad.aaaa", "terraform")
    top = field.path.split(".")[0].removesuffix("[]")

    def with_subnet(public):
        resource = Resource(f"urn:{token}::r", "r", token, None, True, properties, "terraform",
                            property_dependencies={top: ("urn:subnet::s",)})
        inventory = Inventory(SourceInfo("test", "test"), [resource, subnet("s", public)])
        return list(RULE.check(resource, RuleContext(policy(write), inventory)))

    (public,) = with_subnet(True)
    assert public.proven and public.path == path and f"{path} is subnet s, which allows public IPs" in public.message
    assert with_subnet(False) == []
    (unknown,) = findings(token, properties, "terraform", write)  # a subnet the program does not create
    assert not unknown.proven and "a subnet this program does not create" in unknown.message


def test_a_resource_classified_public_outside_protected_networks_is_not_judged(write):
    token = "oci:LoadBalancer/loadBalancer:LoadBalancer"
    tagged = {"is_private": False, "defined_tags": {"DataGovernance.Classification": "public"}}
    assert findings(token, tagged, "terraform", write) == []
    assert [v.path for v in findings(token, {"is_private": False}, "terraform", write)] == ["is_private"]


def test_a_subnet_whose_public_ips_are_decided_after_apply_makes_its_instances_unproven(write):
    token = "oci:Core/instance:Instance"
    undecided = Resource("urn:subnet::s", "s", "oci:Core/subnet:Subnet", None, True,
                         {"prohibit_public_ip_on_vnic": UNKNOWN}, "terraform")
    instance = Resource(f"urn:{token}::r", "r", token, None, True, {"create_vnic_details": [{"subnet_id": UNKNOWN}]},
                        "terraform", property_dependencies={"create_vnic_details": ("urn:subnet::s",)})
    inventory = Inventory(SourceInfo("test", "test"), [instance, undecided])
    (finding,) = RULE.check(instance, RuleContext(policy(write), inventory))
    assert not finding.proven and finding.path == "create_vnic_details[0].assign_public_ip"
    assert "subnet s allows public IPs or not only after apply" in finding.message


def test_a_privacy_flag_known_only_after_apply_is_unproven(write):
    token = "oci:Core/subnet:Subnet"
    (finding,) = findings(token, {"prohibit_internet_ingress": UNKNOWN}, "terraform", write)
    assert not finding.proven and finding.path == "prohibit_internet_ingress"
    assert findings(token, {"prohibit_internet_ingress": "true"}, "terraform", write) == []


def test_a_public_subnet_finding_shows_the_way_in_route_table_gateway_and_security_list(write):
    def make(name, token, properties, dependencies=None):
        return Resource(f"urn:{name}", name, token, None, True, properties, "terraform",
                        property_dependencies=dependencies or {})

    gateway = make("igw", "oci:Core/internetGateway:InternetGateway", {"enabled": "true"})
    table = make("to-internet", "oci:Core/routeTable:RouteTable",
                 {"route_rules": [{"network_entity_id": UNKNOWN, "destination": "0.0.0.0/0"}]},
                 {"route_rules": ("urn:igw",)})
    open_list = make("open", "oci:Core/securityList:SecurityList",
                     {"ingress_security_rules": [{"protocol": "6", "source": "0.0.0.0/0"}]})
    web = make("web", "oci:Core/subnet:Subnet", {"route_table_id": UNKNOWN, "security_list_ids": [UNKNOWN]},
               {"route_table_id": ("urn:to-internet",), "security_list_ids": ("urn:open",)})
    inventory = Inventory(SourceInfo("test", "test"), [gateway, table, open_list, web])
    (finding,) = RULE.check(web, RuleContext(policy(write), inventory))
    assert finding.path == "prohibit_public_ip_on_vnic"
    assert [(e.subject, e.relation, e.value) for e in finding.evidence][2:] == [
        ("web", "routes through route table", "to-internet"),
        ("to-internet", "sends traffic to internet gateway", "igw"),
        ("web", "admits, through security list", "open: ingress from 0.0.0.0/0"),
    ]
    (gateway_finding,) = RULE.check(gateway, RuleContext(policy(write), inventory))
    assert gateway_finding.path == "enabled" and [(e.subject, e.relation, e.value) for e in gateway_finding.evidence][2:] == [
        ("to-internet", "sends traffic to internet gateway", "igw"),
        ("web", "routes through route table", "to-internet"),
    ]
    disabled = make("igw", "oci:Core/internetGateway:InternetGateway", {"enabled": "false"})
    inventory = Inventory(SourceInfo("test", "test"), [disabled, table, open_list, web])
    (finding,) = RULE.check(web, RuleContext(policy(write), inventory))
    assert "sends traffic to internet gateway" not in [e.relation for e in finding.evidence]


def test_a_public_ip_is_judged_by_the_private_ip_it_is_assigned_to(write):
    token = "oci:Core/publicIp:PublicIp"

    def assigned_to(classification):
        private_ip = Resource("urn:ip", "app-ip", "oci:Core/privateIp:PrivateIp", None, True,
                              {"defined_tags": {"DataGovernance.Classification": classification}}, "terraform")
        public_ip = Resource(f"urn:{token}::r", "r", token, None, True,
                             {"lifetime": "RESERVED", "private_ip_id": UNKNOWN, "defined_tags":
                              {"DataGovernance.Classification": "public"}}, "terraform",
                             property_dependencies={"private_ip_id": ("urn:ip",)})
        inventory = Inventory(SourceInfo("test", "test"), [public_ip, private_ip])
        return list(RULE.check(public_ip, RuleContext(policy(write), inventory)))

    (finding,) = assigned_to("restricted")
    assert finding.path == "private_ip_id" and "(private_ip_id app-ip)" in finding.message
    assert assigned_to("public") == []
    (unassigned,) = findings(token, {"lifetime": "RESERVED"}, "terraform", write)  # protected by its own (no) tag
    assert unassigned.path is None
