"""The text of the boundary's IAM and quota statements.

IAM conditions name regions by their three-letter KEY (`request.region = 'iad'`); quota
conditions name them by NAME (`request.region = us-phoenix-1`), as Oracle documents each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from residency.oci.regions import Region

# OCI's limit of statements in one IAM policy; quotas are split the same way to stay within bounds.
STATEMENTS_PER_RESOURCE = 50


def region_condition(allowed: Sequence[Region]) -> str:
    """An IAM condition that holds only for requests to an allowed region."""
    return "where any {" + ", ".join(f"request.region = '{r.key}'" for r in allowed) + "}"


def allow(subject: str, verb: str, resource: str, location: str, allowed: Sequence[Region]) -> str:
    return f"Allow {subject} to {verb} {resource} in compartment {location} {region_condition(allowed)}"


def allow_from(subject: str, verb: str, resource: str, location: str, allowed: Sequence[Region], network_source: str) -> str:
    """A grant to people: only from the network source, and only in the allowed regions."""
    regions = region_condition(allowed).removeprefix("where ")
    return (f"Allow {subject} to {verb} {resource} in compartment {location} "
            f"where all {{request.networkSource.name = '{network_source}', {regions}}}")


def group_grants(group: str, grants: Iterable[tuple[str, str]], location: str, allowed: Sequence[Region],
                 network_source: str) -> list[str]:
    return [allow_from(f"group {group}", verb, resource, location, allowed, network_source) for verb, resource in grants]


def zero_quotas(family: str, location: str, regions: Iterable[Region]) -> list[str]:
    """Quota statements that take every resource of a service family away in these regions."""
    return [f"zero {family} quotas in compartment {location} where request.region = {r.name}" for r in regions]


def chunks(statements: Sequence[str]) -> list[list[str]]:
    """Statements in groups small enough for one policy or quota each."""
    return [list(statements[i : i + STATEMENTS_PER_RESOURCE]) for i in range(0, len(statements), STATEMENTS_PER_RESOURCE)]
