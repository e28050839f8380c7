"""Regions, OCIDs and availability domains, checked against Oracle's own SDK data."""

import json
from importlib import resources

import pytest
from oci import regions_definitions

from residency.oci import find_ocids, lookup_region, parse_ocid, region_of_availability_domain
from residency.oci.regions import REGIONS


def test_region_table_agrees_with_the_oci_sdk():
    table = json.loads(resources.files("residency.oci").joinpath("regions.json").read_text())
    assert {r["name"] for r in table["regions"]} == set(regions_definitions.REGIONS)
    assert {r["key"]: r["name"] for r in table["regions"]} == regions_definitions.REGIONS_SHORT_NAMES
    assert {r["name"]: r["realm"] for r in table["regions"]} == regions_definitions.REGION_REALMS
    assert table["realms"] == regions_definitions.REALMS


@pytest.mark.parametrize(
    "written, name",
    [("us-ashburn-1", "us-ashburn-1"), ("US-Phoenix-1", "us-phoenix-1"), ("fra", "eu-frankfurt-1"),
     ("IAD", "us-ashburn-1"), (" ord ", "us-chicago-1"), ("us-gov-ashburn-1", "us-gov-ashburn-1")],
)
def test_a_region_is_found_by_name_or_key_in_any_case(written, name):
    assert lookup_region(written).name == name


@pytest.mark.parametrize("written", ["us-ashburn-2x", "", "eu-frankfurt", "xyz", "us-east-1"])
def test_anything_else_is_no_region(written):
    assert lookup_region(written) is None


def test_realms_are_kept():
    assert lookup_region("us-langley-1").realm == "oc2"
    assert {r.name for r in REGIONS.in_realm("oc3")} == {"us-gov-ashburn-1", "us-gov-chicago-1", "us-gov-phoenix-1"}


@pytest.mark.parametrize(
    "text, resource_type, realm, region",
    [
        ("ocid1.key.oc1.fra.abuwcljtexample.abzwkljsexample", "key", "oc1", "eu-frankfurt-1"),
        ("ocid1.bucket.oc1.iad.aaaaaaaexample", "bucket", "oc1", "us-ashburn-1"),
        ("ocid1.image.oc1.uk-london-1.aaaaexample", "image", "oc1", "uk-london-1"),
        ("OCID1.VOLUME.OC1.PHX.AAAAEXAMPLE", "volume", "oc1", "us-phoenix-1"),
        ("ocid1.instance.oc2.us-langley-1.aaaaexample", "instance", "oc2", "us-langley-1"),
        ("ocid1.vault.oc1.iad.futureuse.aaaaexample", "vault", "oc1", "us-ashburn-1"),
    ],
)
def test_regional_ocids_name_their_region(text, resource_type, realm, region):
    ocid = parse_ocid(text)
    assert (ocid.resource_type, ocid.realm, ocid.region.name, ocid.is_regional) == (resource_type, realm, region, True)


def test_global_ocids_have_no_region():
    ocid = parse_ocid("ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq")
    assert (ocid.resource_type, ocid.is_regional, ocid.region) == ("tenancy", False, None)


def test_an_ocid_with_an_unknown_region_part_is_regional_but_has_no_region():
    ocid = parse_ocid("ocid1.bucket.oc1.zzz.aaaa")
    assert ocid.is_regional and ocid.region is None


@pytest.mark.parametrize("text", ["ocid1.bucket", "ocid2.bucket.oc1.iad.aaaa", "bucket.oc1.iad.aaaa", "ocid1.bucket.oc1.iad.", ""])
def test_non_ocids_are_rejected(text):
    assert parse_ocid(text) is None


def test_ocids_are_found_inside_text():
    statement = "Allow group a to read buckets in compartment id ocid1.compartment.oc1..aaaa where target.vault.id = 'ocid1.vault.oc1.fra.bbbb'"
    assert [o.text for o in find_ocids(statement)] == ["ocid1.compartment.oc1..aaaa", "ocid1.vault.oc1.fra.bbbb"]


@pytest.mark.parametrize(
    "name, region",
    [
        ("Uocm:PHX-AD-1", "us-phoenix-1"),
        ("Uocm:EU-FRANKFURT-1-AD-1", "eu-frankfurt-1"),
        ("Uocm:US-ASHBURN-AD-3", "us-ashburn-1"),
        ("qIZq:UK-LONDON-1-AD-2", "uk-london-1"),
        ("PHX-AD-2", "us-phoenix-1"),
        ("uocm:phx-ad-1", "us-phoenix-1"),
    ],
)
def test_availability_domains_belong_to_their_region(name, region):
    assert region_of_availability_domain(name).name == region


@pytest.mark.parametrize("name", ["Uocm:XYZ-AD-1", "us-ashburn-1", "Uocm:PHX-AD", "AD-1"])
def test_unknown_availability_domains_have_no_region(name):
    assert region_of_availability_domain(name) is None
