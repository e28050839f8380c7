"""Oracle Cloud IDs: ocid1.<resource type>.<realm>.[region][.future use].<unique id>.

Regional OCIDs carry the region (usually its key, `iad`; older ones its name); global ones
(tenancy, compartment, user, group...) leave the region part empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from residency.oci.regions import Region, lookup_region

_OCID = re.compile(r"ocid1\.[a-z0-9_-]+\.[a-z0-9]+\.[a-z0-9_-]*(?:\.[a-z0-9_-]+)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Ocid:
    text: str
    resource_type: str
    realm: str
    region_part: str
    unique_id: str

    @property
    def is_regional(self) -> bool:
        return bool(self.region_part)

    @property
    def region(self) -> Region | None:
        return lookup_region(self.region_part) if self.region_part else None


def parse_ocid(text: str) -> Ocid | None:
    """The OCID that `text` is, or None when it is not one."""
    parts = text.strip().split(".")
    if len(parts) < 5 or parts[0].lower() != "ocid1" or not _OCID.fullmatch(text.strip()):
        return None
    return Ocid(
        text=text.strip(),
        resource_type=parts[1].lower(),
        realm=parts[2].lower(),
        region_part=parts[3].lower(),
        unique_id=parts[-1],
    )


def find_ocids(text: str) -> Iterator[Ocid]:
    """Every OCID inside a longer text (a policy statement, a JSON document)."""
    for match in _OCID.finditer(text):
        ocid = parse_ocid(match.group(0))
        if ocid is not None:
            yield ocid
