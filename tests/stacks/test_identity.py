"""Identity: compartments, classification tags, groups, region-bound IAM policies and quotas, all
through the home-region provider. Statements are read with the engine's parser of OCI's policy
and quota languages (residency.iam), which rejects what OCI's grammar does not allow."""

import re

import pytest
from stack_inventory import REPO, dev, prod, project_copy, stack  # noqa: F401 (fixtures)

from residency.catalog import ResourceKind
from residency.errors import ProgramError
from residency.iam import Condition, ConditionGroup, Grant, parse_quota, parse_statement
from residency.inventory import RegionSource
from residency.oci.regions import REGIONS
from residency.sources.pulumi_program import run_program


def grant(statement: str) -> Grant:
    parsed = parse_statement(statement)
    assert isinstance(parsed, Grant) and parsed.action == "allow" and not parsed.deny, statement
    return parsed


def region_keys(condition) -> set[str]:
    """The keys an `any {request.region = 'k', ...}` condition allows, alone or inside the `all {}`
    that also names the network source of people's grants."""
    if isinstance(condition, ConditionGroup) and condition.quantifier == "all":
        (condition,) = [item for item in condition.items if isinstance(item, ConditionGroup)]
    assert isinstance(condition, ConditionGroup) and condition.quantifier == "any"
    assert all(c.variable == "request.region" and c.operator == "=" for c in condition.items)
    return {c.values[0].text for c in condition.items}


def network_sources(condition) -> set[str]:
    """The network sources an `all {request.networkSource.name = 'n', ...}` condition requires."""
    if not (isinstance(condition, ConditionGroup) and condition.quantifier == "all"):
        return set()
    return {c.values[0].text for c in condition.items
            if isinstance(c, Condition) and c.variable == "request.networksource.name" and c.operator == "="}


TENANCY = {"us-prod": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy", "us-dev": "ocid1.tenancy.oc1..aaaaaaaaexampledevtenancy"}


def test_identity_is_managed_only_through_the_home_region_provider(stack):
    identity = [r for r in stack.inventory.resources if r.kind is ResourceKind.IDENTITY]
    assert {r.token.split(":")[1] for r in identity} >= {
        "Identity/compartment", "Identity/tagNamespace", "Identity/tag", "Identity/tagDefault",
        "Identity/group", "Identity/policy", "Limits/quota",
    }
    for resource in identity:
        assert resource.region.source is RegionSource.EXPLICIT_PROVIDER, resource.name
        assert resource.region.region == stack.policy.home_region, resource.name
        assert resource.provider.endswith("::home")


def test_the_protected_compartment_is_the_policys_and_holds_the_boundarys_children(prod):
    parent = prod.one("Identity/compartment", "us-protected-data")
    assert prod.value(parent, "name") in prod.policy.protected_compartments
    assert prod.value(parent, "compartment_id") == TENANCY["us-prod"]
    children = [c for c in prod.of_type("Identity/compartment") if c is not parent]
    assert sorted(prod.value(c, "name") for c in children) == ["app", "network", "security", "storage"]
    assert all(prod.source_of(c, "compartment_id") is parent for c in children)


def test_the_classification_tag_has_the_policys_levels_and_defaults_on_the_protected_compartment(prod):
    scheme = prod.policy.classification
    (namespace,) = prod.of_type("Identity/tagNamespace")
    (tag,) = prod.of_type("Identity/tag")
    (default,) = prod.of_type("Identity/tagDefault")
    assert prod.value(namespace, "name") == scheme.tag_namespace
    assert prod.value(tag, "name") == scheme.tag_key
    assert prod.value(tag, "validator") == {"validatorType": "ENUM", "values": list(scheme.levels)}
    assert prod.source_of(default, "compartment_id").name == "us-protected-data"
    assert prod.source_of(default, "tag_definition_id") is tag
    assert prod.value(default, "value") == "restricted"


def test_groups_are_admins_operators_and_auditors(prod):
    names = sorted(prod.value(g, "name") for g in prod.of_type("Identity/group"))
    assert names == ["us-protected-data-admins", "us-protected-data-auditors", "us-protected-data-operators"]


def test_every_iam_statement_is_bound_to_the_protected_compartment_and_the_allowed_region_keys(stack):
    allowed_keys = {r.key for r in stack.policy.allowed_regions}
    groups = {stack.value(g, "name") for g in stack.of_type("Identity/group")}
    statements = [s for p in stack.of_type("Identity/policy") for s in stack.values(p, "statements")]
    assert statements
    for statement in statements:
        parsed = grant(statement)
        assert (parsed.location.kind, parsed.location.path) == ("compartment", ("us-protected-data",)), statement
        assert region_keys(parsed.condition) == allowed_keys, statement
        for subject in parsed.subjects:
            assert subject.kind in ("group", "dynamic-group", "service"), statement
            if subject.kind == "group":
                assert subject.name in groups
                assert network_sources(parsed.condition) == {"us-corp"}, statement
    for policy in stack.of_type("Identity/policy"):
        assert stack.value(policy, "compartment_id") == TENANCY[stack.inventory.source.stack]
        assert len(stack.values(policy, "statements")) <= 50


def test_no_group_may_manage_policies_or_compartments(prod):
    for policy in prod.of_type("Identity/policy"):
        for statement in prod.values(policy, "statements"):
            parsed = grant(statement)
            assert parsed.resource not in {"all-resources", "policies", "compartments"} or parsed.verb == "inspect"


def test_services_act_only_for_the_stacks_regions(prod, dev):
    def services(stack):
        policies = [p for p in stack.of_type("Identity/policy")
                    if p.name.endswith(("-services", "-services-dr", "-database-keys"))]
        return {f"{p.kind} {p.name}" for policy in policies for s in stack.values(policy, "statements") for p in grant(s).subjects}

    assert services(prod) == {"service objectstorage-us-ashburn-1", "service objectstorage-us-phoenix-1",
                              "service blockstorage", "dynamic-group us-protected-data-databases"}
    assert services(dev) == {"service objectstorage-us-ashburn-1", "service blockstorage"}


def test_quotas_zero_every_data_family_in_every_region_of_the_realm_that_is_not_allowed(stack):
    home = stack.policy.home_region
    expected = {r.name for r in REGIONS.in_realm(home.realm) if not stack.policy.allows(r)}
    assert "eu-frankfurt-1" in expected and "us-phoenix-1" not in expected
    families = stack.policy.guardrails.quota_families
    covered = {family: set() for family in families}
    for quota in stack.of_type("Limits/quota"):
        assert stack.value(quota, "compartment_id") == TENANCY[stack.inventory.source.stack]
        statements = stack.values(quota, "statements")
        assert 0 < len(statements) <= 50
        for statement in statements:
            quota = parse_quota(statement)
            assert quota.action == "zero" and quota.location.path == ("us-protected-data",), statement
            assert quota.names == ()  # every quota of the family
            condition = quota.condition
            assert (condition.variable, condition.operator) == ("request.region", "="), statement
            covered[quota.family].add(condition.values[0].text)
    assert covered == {family: expected for family in families}


@pytest.mark.parametrize("change, message", [
    (("compartment: us-protected-data", "compartment: team-data"),
     "compartment 'team-data' is not one of the protected compartments of policies/residency.yaml (us-protected-data)"),
    (("classification: confidential", "classification: secret"),
     "classification 'secret' is not a level of policies/residency.yaml (public, internal, confidential, restricted)"),
])
def test_a_stack_config_that_contradicts_the_policy_is_refused(tmp_path, change, message):
    config = (REPO / "Pulumi.us-dev.yaml").read_text()
    assert change[0] in config
    directory = project_copy(tmp_path, {"Pulumi.broken.yaml": config.replace(*change)})
    with pytest.raises(ProgramError, match=re.escape(message)):
        run_program(directory, "broken")


def test_people_reach_the_boundary_only_from_the_us_network_source(stack):
    """The network source every human grant names lists the stack's US CIDRs and the boundary's VCNs."""
    (source,) = stack.of_type("Identity/networkSource")
    assert stack.value(source, "name") == "us-corp"
    assert stack.value(source, "name") in stack.policy.access.network_sources
    assert stack.value(source, "compartment_id") == TENANCY[stack.inventory.source.stack]
    cidrs = {"us-prod": ["198.51.100.0/24", "203.0.113.0/25"], "us-dev": ["198.51.100.0/24"]}
    assert stack.values(source, "public_source_lists") == cidrs[stack.inventory.source.stack]
    vcns = sorted(stack.inventory.get(urn).name for urn in source.dependencies_of("virtual_source_lists"))
    assert vcns == {"us-prod": ["dr-vcn", "primary-vcn"], "us-dev": ["primary-vcn"]}[stack.inventory.source.stack]


def test_a_network_source_the_policy_does_not_allow_stops_the_program(tmp_path):
    stack_file = (REPO / "Pulumi.us-dev.yaml").read_text()
    directory = project_copy(tmp_path, {"Pulumi.us-dev.yaml": stack_file.replace("name: us-corp", "name: eu-office")})
    with pytest.raises(ProgramError, match="networkSource.name 'eu-office' is not one of the network sources"):
        run_program(directory, "us-dev")
