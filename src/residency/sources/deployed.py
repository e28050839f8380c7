"""What deployed resources add to the region decision: their own OCIDs.

A regional OCID names the region the resource was created in. Once a resource is deployed, that
is where its data is, whatever the provider configuration says today (a provider whose region was
changed, an ambient region the state never recorded). Identity resources carry global OCIDs: OCI
accepts IAM writes only in the home region and keeps them there, so a deployed one needs no
provider to place it.
"""

from __future__ import annotations

from typing import Any

from residency.catalog import ResourceKind
from residency.inventory import RegionResolution, RegionSource, Resource
from residency.inventory.values import snake
from residency.oci import parse_ocid
from residency.oci.ocid import Ocid


def locate_by_ocid(resource: Resource, resource_id: Any) -> None:
    """Decide a deployed resource's region from its own OCID where it has one."""
    kind = resource.kind
    if kind is ResourceKind.NOT_OCI:
        return
    ocid = own_ocid(resource, resource_id)
    claimed = resource.region
    if kind is ResourceKind.IDENTITY:
        if ocid is not None and claimed is not None and claimed.source is RegionSource.UNRESOLVED:
            resource.region = None  # deployed IAM is in the home region; no provider needs proving
        return
    if ocid is None or not ocid.is_regional:
        return
    provider = claimed.provider if claimed else None
    if ocid.region is None:
        resource.region = RegionResolution(
            RegionSource.DEPLOYED_OCID, written=ocid.text, provider=provider,
            reason=f"its OCID names region {ocid.region_part!r}, which is not an OCI region",
        )
        return
    disagrees = claimed is not None and claimed.region != ocid.region
    if disagrees and claimed.region is not None:
        said = f"provider {provider.rsplit('::', 1)[-1]}, which says {claimed.shown}" if provider else f"the config, which says {claimed.shown}"
    elif disagrees:
        said = f"an unprovable provider region ({claimed.reason})"
    else:
        said = ""
    resource.region = RegionResolution(
        RegionSource.DEPLOYED_OCID, region=ocid.region, written=ocid.text, provider=provider, reason=said,
    )


def own_ocid(resource: Resource, resource_id: Any) -> Ocid | None:
    """The resource's OCID: its ID, or for resources whose ID is a path (a bucket's
    `n/<namespace>/b/<name>`), the `<type>_id` attribute the provider fills in (`bucket_id`)."""
    if isinstance(resource_id, str):
        ocid = parse_ocid(resource_id)
        if ocid is not None:
            return ocid
    type_name = snake(resource.token.rsplit(":", 1)[-1]) if resource.token else None
    if type_name is None and resource.terraform_type:
        type_name = resource.terraform_type.rsplit("_", 1)[-1]
    value = resource.first(f"{type_name}_id") if type_name else None
    if value is None or not value.known or not isinstance(value.value, str):
        return None
    return parse_ocid(value.value)
