"""Availability-domain names and the region they belong to.

OCI names an AD `<tenancy prefix>:<region>-AD-<n>`, where the region is written as its key
(`Uocm:PHX-AD-1`), its full name (`Uocm:EU-FRANKFURT-1-AD-1`) or its name without the
trailing number (`Uocm:US-ASHBURN-AD-1`).
"""

from __future__ import annotations

import re

from residency.oci.regions import Region, lookup_region

_AD = re.compile(r"^(?:[^:]*:)?(?P<region>[A-Za-z0-9-]+?)-AD-(?P<number>\d+)$", re.IGNORECASE)


def region_of_availability_domain(name: str) -> Region | None:
    match = _AD.match(name.strip())
    if match is None:
        return None
    written = match.group("region")
    return lookup_region(written) or lookup_region(f"{written}-1")
