"""The US data boundary: a landing zone with residency built in.

`build_boundary()` composes the parts from the stack config and the residency policy: identity
in the home region, keys, network and storage in the primary and (optionally) the DR region.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_oci as oci

from boundary.access import AccessNetwork
from boundary.database import Database
from boundary.identity import Identity
from boundary.network import Network, RemotePeering
from boundary.security import Posture, RegionalKeys
from boundary.settings import Settings, load_settings
from boundary.storage import Storage


@dataclass(frozen=True)
class Boundary:
    settings: Settings
    providers: dict[str, oci.Provider]  # home, primary and dr
    identity: Identity
    keys: dict[str, RegionalKeys]  # by site role
    posture: Posture
    networks: dict[str, Network]
    storage: Storage
    database: Database | None
    access_network: AccessNetwork


def regional_provider(name: str, region: str) -> oci.Provider:
    """An explicit provider for one region. Authentication comes from the stack's `oci:auth` and
    `oci:configFileProfile`; the region never does (a profile or OCI_REGION could move it)."""
    oci_config = pulumi.Config("oci")
    return oci.Provider(name, region=region, auth=oci_config.get("auth"),
                        config_file_profile=oci_config.get("configFileProfile"))


def build_boundary() -> Boundary:
    settings = load_settings()
    providers = {"home": regional_provider("home", settings.home.name)}
    providers |= {site.role: regional_provider(site.role, site.region.name) for site in settings.sites}
    identity = Identity(settings, providers["home"])
    tag, compartments = identity.tag, identity.children
    keys = {site.role: RegionalKeys(settings, site, providers[site.role], compartments["security"], tag)
            for site in settings.sites}
    posture = Posture(settings, providers["home"], identity.compartment, compartments["security"], tag)
    networks = {
        site.role: Network(settings, site, providers[site.role], compartments["network"], tag,
                           peer_cidrs=[other.vcn_cidr for other in settings.sites if other is not site])
        for site in settings.sites
    }
    if settings.dr is not None:
        RemotePeering(networks["primary"], settings.primary, providers["primary"],
                      networks["dr"], settings.dr, providers["dr"], compartments["network"])
    namespace = oci.objectstorage.get_namespace_output(
        compartment_id=settings.tenancy_id, opts=pulumi.InvokeOutputOptions(provider=providers["home"])).namespace
    storage = Storage(settings, providers, keys, compartments["storage"], tag, namespace)
    database = None
    if settings.database is not None:
        database = Database(settings, settings.database, providers["primary"], networks["primary"],
                            keys["primary"], compartments["storage"], tag)
    access_network = AccessNetwork(settings, providers["home"], networks)
    return Boundary(settings, providers, identity, keys, posture, networks, storage, database, access_network)
