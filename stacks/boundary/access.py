"""Where people may reach the boundary from: the network source that every human grant names.

It lists the organisation's US public CIDRs (stack config `networkSource.publicCidrs`, which must lie
inside the policy's `access.allowed_cidrs`) and the boundary's own VCNs, which are in allowed regions.
Like all IAM, it lives in the tenancy, through the home-region provider."""

from __future__ import annotations

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.network import Network
from boundary.settings import Settings


class AccessNetwork(BoundaryComponent):
    def __init__(self, settings: Settings, home: oci.Provider, networks: dict[str, Network],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("AccessNetwork", "access-network", opts)
        plan = settings.network_source
        self.network_source = oci.identity.NetworkSource(
            plan.name, compartment_id=settings.tenancy_id, name=plan.name,
            description=f"The US networks from which people may reach {settings.compartment}",
            public_source_lists=list(plan.public_cidrs),
            virtual_source_lists=[
                oci.identity.NetworkSourceVirtualSourceListArgs(vcn_id=networks[site.role].vcn.id, ip_ranges=[site.vcn_cidr])
                for site in settings.sites
            ],
            opts=self.child(home),
        )
        self.register_outputs({"network_source_id": self.network_source.id})
