"""Regenerate src/residency/oci/regions.json from Oracle's own region data.

Oracle's `oci` SDK keeps the region names, their three-letter keys and realms in
`oci.regions_definitions`. The engine ships a copy so that it runs where the SDK is not
installed (the Checkov environment); tests/test_oci_regions.py fails when the two disagree.

Usage: python scripts/generate_region_table.py
"""

import json
from importlib.metadata import version
from pathlib import Path

from oci import regions_definitions

TABLE = Path(__file__).resolve().parents[1] / "src" / "residency" / "oci" / "regions.json"


def build_table() -> dict:
    keys_by_name = {name: key for key, name in regions_definitions.REGIONS_SHORT_NAMES.items()}
    regions = [
        {"name": name, "key": keys_by_name[name], "realm": regions_definitions.REGION_REALMS[name]}
        for name in sorted(regions_definitions.REGIONS)
    ]
    return {
        "source": f"oci {version('oci')} (oci.regions_definitions)",
        "realms": dict(sorted(regions_definitions.REALMS.items())),
        "regions": regions,
    }


if __name__ == "__main__":
    TABLE.write_text(json.dumps(build_table(), indent=1) + "\n")
    print(f"wrote {TABLE.name}")
