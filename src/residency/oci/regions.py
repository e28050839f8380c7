"""OCI regions, their three-letter keys and realms.

The table is generated from Oracle's `oci` SDK (scripts/generate_region_table.py), so a new
region arrives with an SDK upgrade rather than an edit here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Region:
    name: str  # us-ashburn-1
    key: str  # iad
    realm: str  # oc1

    def __str__(self) -> str:
        return self.name


class RegionTable:
    def __init__(self, regions: list[Region], realms: dict[str, str]):
        self._by_name = {r.name: r for r in regions}
        self._by_key = {r.key: r for r in regions}
        self.realms = realms

    @classmethod
    def bundled(cls) -> RegionTable:
        data = json.loads(resources.files(__package__).joinpath("regions.json").read_text())
        return cls([Region(**r) for r in data["regions"]], data["realms"])

    def lookup(self, text: str) -> Region | None:
        """A region by name or by key, in any letter case, as the OCI SDK accepts it."""
        wanted = text.strip().lower()
        return self._by_name.get(wanted) or self._by_key.get(wanted)

    def in_realm(self, realm: str) -> list[Region]:
        return [r for r in self if r.realm == realm]

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


REGIONS = RegionTable.bundled()


def lookup_region(text: str) -> Region | None:
    return REGIONS.lookup(text)
