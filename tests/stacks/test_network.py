"""Network, in the primary and the DR region: private subnets only, Oracle services through a
service gateway, no internet gateway, nothing admitted from anywhere, flow logs on every subnet,
and remote peering only between the boundary's own regions."""

from stack_inventory import dev, prod, stack  # noqa: F401 (fixtures)

OPEN = {"0.0.0.0/0", "::/0"}


def test_no_gateway_to_the_internet(stack):
    tokens = {r.token for r in stack.inventory.resources}
    assert not tokens & {"oci:Core/internetGateway:InternetGateway", "oci:Core/natGateway:NatGateway",
                         "oci:Core/publicIp:PublicIp"}


def test_one_private_vcn_per_region_with_only_private_subnets(prod, dev):
    for view, regions in ((prod, ["us-ashburn-1", "us-phoenix-1"]), (dev, ["us-ashburn-1"])):
        assert sorted(view.region(v).name for v in view.of_type("Core/vcn")) == regions
        subnets = view.of_type("Core/subnet")
        assert len(subnets) == {"us-prod": 4, "us-dev": 1}[view.inventory.source.stack]
        for subnet in subnets:
            assert view.value(subnet, "prohibit_public_ip_on_vnic") is True
            assert view.value(subnet, "prohibit_internet_ingress") is True
            assert view.region(view.source_of(subnet, "vcn_id")) == view.region(subnet)


def test_nothing_is_admitted_from_the_whole_internet(stack):
    sources = [
        *(s for sl in stack.of_type("Core/securityList") for s in stack.values(sl, "ingress_security_rules[].source")),
        *(stack.value(rule, "source") for rule in stack.of_type("Core/networkSecurityGroupSecurityRule")
          if stack.value(rule, "direction") == "INGRESS"),
    ]
    assert sources and not OPEN & set(sources)
    # OCI's default security list admits SSH from 0.0.0.0/0 until it is managed and emptied.
    for default in stack.of_type("Core/defaultSecurityList"):
        assert stack.values(default, "ingress_security_rules") == []
        assert stack.values(default, "egress_security_rules") == []
    assert len(stack.of_type("Core/defaultSecurityList")) == len(stack.of_type("Core/vcn"))


def test_routes_lead_only_to_oracle_services_and_the_peer_region(prod):
    for table in prod.of_type("Core/routeTable"):
        region = prod.region(table)
        targets = {prod.inventory.get(urn).token for urn in table.dependencies_of("route_rules")}
        assert targets == {"oci:Core/serviceGateway:ServiceGateway", "oci:Core/drg:Drg"}
        (service,) = [r for r in prod.values(table, "route_rules[].destination") if not r[0].isdigit()]
        assert service == f"all-{region.key}-services-in-oracle-services-network"


def test_every_subnet_has_flow_logs(stack):
    logged = {}
    for log in stack.of_type("Logging/log"):
        assert stack.value(log, "configuration.source.service") == "flowlogs"
        assert stack.value(log, "configuration.source.category") == "all"
        assert stack.value(log, "is_enabled") is True
        assert stack.value(log, "defined_tags") == stack.tags
        (subnet,) = [stack.inventory.get(u) for u in log.dependencies_of("configuration")
                     if stack.inventory.get(u).token == "oci:Core/subnet:Subnet"]
        assert stack.region(subnet) == stack.region(log)
        logged[subnet.urn] = log
    assert set(logged) == {s.urn for s in stack.of_type("Core/subnet")}


def test_remote_peering_only_between_the_primary_and_the_dr_region(prod, dev):
    requester = prod.one("Core/remotePeeringConnection", "primary-peering")
    accepter = prod.one("Core/remotePeeringConnection", "dr-peering")
    assert prod.region(requester).name == "us-ashburn-1"
    assert prod.value(requester, "peer_region_name") == "us-phoenix-1"
    assert prod.source_of(requester, "peer_id") is accepter
    assert prod.region(accepter).name == "us-phoenix-1"
    assert accepter.first("peer_region_name") is None
    for connection in (requester, accepter):
        assert prod.region(prod.source_of(connection, "drg_id")) == prod.region(connection)
    assert not dev.of_type("Core/remotePeeringConnection") and not dev.of_type("Core/drg")
