"""Evidence chains that several rules share."""

from __future__ import annotations

from residency.inventory import RegionSource, Resource
from residency.rules.base import Evidence
from residency.rules.context import RuleContext


def short_name(urn: str | None) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "?"


def region_evidence(resource: Resource) -> tuple[Evidence, ...]:
    """Where the resource's region came from: provider, parent component or stack config."""
    resolution = resource.region
    if resolution is None:
        return ()
    if resolution.source is RegionSource.UNRESOLVED:
        subject = f"provider {short_name(resolution.provider)}" if resolution.provider else "the default provider"
        return (Evidence(resource.name, "is created through", subject), Evidence(subject, "has no provable region:", resolution.reason))
    if resolution.source is RegionSource.DEPLOYED_OCID:
        found = (Evidence(resource.name, "is deployed with OCID", resolution.written or "?"),
                 Evidence("the OCID", "names region", resolution.shown))
        overridden = resolution.region is not None and resolution.reason  # what the provider said instead
        return (*found, Evidence("the OCID", "outweighs", resolution.reason)) if overridden else found
    if resolution.source is RegionSource.DEFAULT_PROVIDER:
        return (Evidence(resource.name, "is created through", "the default provider"), Evidence("the default provider", "has region (oci:region)", resolution.shown))
    provider = f"provider {short_name(resolution.provider)}"
    relation = "inherits from its parent component" if resolution.source is RegionSource.PARENT_PROVIDER else "is created through"
    shown = f"{resolution.shown} ({resolution.origin})" if resolution.origin else resolution.shown
    return (Evidence(resource.name, relation, provider), Evidence(provider, "has region", shown))


def classification_evidence(resource: Resource, context: RuleContext) -> Evidence:
    return Evidence(resource.name, "is", context.classification(resource).reason)
