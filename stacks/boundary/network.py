"""The boundary's network in one region: private subnets only, Oracle services through a service
gateway, no internet gateway, nothing open to 0.0.0.0/0, flow logs on every subnet; and remote
peering between the DRGs of the boundary's own regions."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.settings import Settings, Site

TCP = "6"
HTTPS = 443
DATABASE = 1522  # Autonomous Database over TLS


def _tcp(port: int) -> dict:
    return {"min": port, "max": port}


class Network(BoundaryComponent):
    def __init__(self, settings: Settings, site: Site, provider: oci.Provider, compartment: oci.identity.Compartment,
                 tag: oci.identity.Tag, peer_cidrs: Sequence[str] = (), opts: pulumi.ResourceOptions | None = None):
        super().__init__("Network", f"{site.role}-network", opts)
        role, where = site.role, compartment.id
        child = self.child(provider)
        name = f"{settings.compartment}-{role}"
        self.vcn = oci.core.Vcn(f"{role}-vcn", compartment_id=where, cidr_blocks=[site.vcn_cidr],
                                display_name=name, dns_label=role, opts=child)
        # OCI gives every VCN a default security list that admits SSH from 0.0.0.0/0: empty it.
        oci.core.DefaultSecurityList(
            f"{role}-default-security-list", manage_default_resource_id=self.vcn.default_security_list_id,
            compartment_id=where, display_name=f"{name}-default", ingress_security_rules=[],
            egress_security_rules=[], opts=child,
        )
        services = oci.core.get_services_output(
            filters=[{"name": "name", "values": ["All .* Services In Oracle Services Network"], "regex": True}],
            opts=pulumi.InvokeOutputOptions(provider=provider),
        ).services[0]
        self.service_gateway = oci.core.ServiceGateway(
            f"{role}-service-gateway", compartment_id=where, vcn_id=self.vcn.id, display_name=name,
            services=[{"service_id": services.id}], opts=child,
        )
        self.drg = None
        routes = [{"destination": services.cidr_block, "destination_type": "SERVICE_CIDR_BLOCK",
                   "network_entity_id": self.service_gateway.id}]
        if peer_cidrs:
            self.drg = oci.core.Drg(f"{role}-drg", compartment_id=where, display_name=name, opts=child)
            oci.core.DrgAttachment(f"{role}-drg-attachment", drg_id=self.drg.id, display_name=name,
                                   network_details={"id": self.vcn.id, "type": "VCN"}, opts=child)
            routes += [{"destination": cidr, "destination_type": "CIDR_BLOCK", "network_entity_id": self.drg.id}
                       for cidr in peer_cidrs]
        route_table = oci.core.RouteTable(f"{role}-private-routes", compartment_id=where, vcn_id=self.vcn.id,
                                          display_name=f"{name}-private", route_rules=routes, opts=child)
        inside = [site.vcn_cidr, *peer_cidrs]
        security_list = oci.core.SecurityList(
            f"{role}-private-security-list", compartment_id=where, vcn_id=self.vcn.id, display_name=f"{name}-private",
            ingress_security_rules=[{"protocol": TCP, "source": cidr, "source_type": "CIDR_BLOCK", "tcp_options": _tcp(port)}
                                    for cidr in inside for port in (HTTPS, DATABASE)],
            egress_security_rules=[
                {"protocol": TCP, "destination": services.cidr_block, "destination_type": "SERVICE_CIDR_BLOCK",
                 "tcp_options": _tcp(HTTPS)},
                *({"protocol": TCP, "destination": cidr, "destination_type": "CIDR_BLOCK"} for cidr in inside),
            ],
            opts=child,
        )
        self.database_nsg = oci.core.NetworkSecurityGroup(f"{role}-database-nsg", compartment_id=where,
                                                          vcn_id=self.vcn.id, display_name=f"{name}-database", opts=child)
        for index, cidr in enumerate(inside):
            oci.core.NetworkSecurityGroupSecurityRule(
                f"{role}-database-from-{index}", network_security_group_id=self.database_nsg.id, direction="INGRESS",
                protocol=TCP, source=cidr, source_type="CIDR_BLOCK",
                tcp_options={"destination_port_range": _tcp(DATABASE)}, opts=child,
            )
        self.subnets = {
            subnet: oci.core.Subnet(
                f"{role}-{subnet}-subnet", compartment_id=where, vcn_id=self.vcn.id, cidr_block=cidr,
                display_name=f"{name}-{subnet}", dns_label=subnet, prohibit_public_ip_on_vnic=True,
                prohibit_internet_ingress=True, route_table_id=route_table.id, security_list_ids=[security_list.id],
                opts=child,
            )
            for subnet, cidr in site.subnets.items()
        }
        logs = oci.logging.LogGroup(f"{role}-flow-logs", compartment_id=where, display_name=f"{name}-flow-logs",
                                    defined_tags=settings.tags, opts=self.child(provider, [tag]))
        for subnet, resource in self.subnets.items():
            oci.logging.Log(
                f"{role}-{subnet}-flow-log", log_group_id=logs.id, display_name=f"{name}-{subnet}-flow-log",
                log_type="SERVICE", is_enabled=True, retention_duration=settings.flow_log_retention_days,
                configuration={"compartment_id": where, "source": {
                    "category": "all", "resource": resource.id, "service": "flowlogs", "source_type": "OCISERVICE"}},
                defined_tags=settings.tags, opts=self.child(provider, [tag]),
            )
        self.register_outputs({"vcn_id": self.vcn.id})


class RemotePeering(BoundaryComponent):
    """A remote peering connection between the DRGs of two of the boundary's regions; the
    requesting side names its peer and the peer's region."""

    def __init__(self, requester: Network, requester_site: Site, requester_provider: oci.Provider,
                 accepter: Network, accepter_site: Site, accepter_provider: oci.Provider,
                 compartment: oci.identity.Compartment, opts: pulumi.ResourceOptions | None = None):
        super().__init__("RemotePeering", f"{requester_site.role}-to-{accepter_site.role}", opts)
        accepting = oci.core.RemotePeeringConnection(
            f"{accepter_site.role}-peering", compartment_id=compartment.id, drg_id=accepter.drg.id,
            display_name=f"from-{requester_site.role}", opts=self.child(accepter_provider),
        )
        oci.core.RemotePeeringConnection(
            f"{requester_site.role}-peering", compartment_id=compartment.id, drg_id=requester.drg.id,
            display_name=f"to-{accepter_site.role}", peer_id=accepting.id,
            peer_region_name=accepter_site.region.name, opts=self.child(requester_provider),
        )
        self.register_outputs({})
