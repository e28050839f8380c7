"""Answers for the data sources a program calls while it runs offline.

In a real preview, invokes reach the cloud. Offline, the few that programs need to build an OCI
landing zone get answers derived from the provider's region; any other invoke answers nothing
and is reported if the program then fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from residency.oci.regions import Region

OFFLINE_NAMESPACE = "offline-namespace"
OFFLINE_TENANCY_PREFIX = "offline"


def _availability_domains(args: dict[str, Any], region: Region | None) -> dict[str, Any]:
    compartment = args.get("compartmentId", "")
    if region is None:
        return {"availabilityDomains": [], "compartmentId": compartment, "id": "offline"}
    domains = [
        {"name": f"{OFFLINE_TENANCY_PREFIX}:{region.key.upper()}-AD-{n}", "compartmentId": compartment, "id": f"offline-ad-{n}"}
        for n in (1, 2, 3)
    ]
    return {"availabilityDomains": domains, "compartmentId": compartment, "id": "offline"}


def _namespace(args: dict[str, Any], region: Region | None) -> dict[str, Any]:
    return {"namespace": OFFLINE_NAMESPACE, "id": OFFLINE_NAMESPACE}


def _services(args: dict[str, Any], region: Region | None) -> dict[str, Any]:
    if region is None:
        return {"services": [], "id": "offline"}
    key = region.key
    services = [
        {
            "cidrBlock": f"all-{key}-services-in-oracle-services-network",
            "description": "All Services In Oracle Services Network",
            "id": f"ocid1.service.{region.realm}.{key}.offlineallservices",
            "name": f"All {key.upper()} Services In Oracle Services Network",
        },
        {
            "cidrBlock": f"oci-{key}-objectstorage",
            "description": "OCI Object Storage",
            "id": f"ocid1.service.{region.realm}.{key}.offlineobjectstorage",
            "name": f"OCI {key.upper()} Object Storage",
        },
    ]
    return {"services": services, "id": "offline"}


ANSWERS: dict[str, Callable[[dict[str, Any], Region | None], dict[str, Any]]] = {
    "oci:Identity/getAvailabilityDomains:getAvailabilityDomains": _availability_domains,
    "oci:ObjectStorage/getNamespace:getNamespace": _namespace,
    "oci:Core/getServices:getServices": _services,
}
