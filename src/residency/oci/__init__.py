"""What the engine knows about Oracle Cloud: regions, OCIDs, availability domains."""

from residency.oci.availability_domains import region_of_availability_domain
from residency.oci.ocid import Ocid, find_ocids, parse_ocid
from residency.oci.regions import REGIONS, Region, RegionTable, lookup_region

__all__ = [
    "REGIONS",
    "Ocid",
    "Region",
    "RegionTable",
    "find_ocids",
    "lookup_region",
    "parse_ocid",
    "region_of_availability_domain",
]
