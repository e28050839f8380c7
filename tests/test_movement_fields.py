"""Generated from the catalogue: for every field through which a resource moves data to another
region, a protected resource whose field names Frankfurt (its region, an availability domain, an
OCID) gives RES002 at exactly that path; and every key field outside OCI gives RES003."""

import pytest

from residency.catalog import CATALOG
from residency.engine import evaluate
from residency.inventory import Inventory, RegionResolution, RegionSource, Resource, SourceInfo
from residency.inventory.values import camel
from residency.oci import lookup_region
from residency.policy import load_policy

POLICY = load_policy(None, cwd=None)
ASHBURN = RegionResolution(RegionSource.EXPLICIT_PROVIDER, lookup_region("us-ashburn-1"), "us-ashburn-1", "provider")
FRANKFURT = {
    "region": "eu-frankfurt-1",
    "availability_domain": "Uocm:EU-FRANKFURT-1-AD-1",
    "ocid": "ocid1.resource.oc1.eu-frankfurt-1.aaaaexample",
}
MOVEMENTS = [(token, field) for token in sorted(CATALOG.movement_tokens) for field in CATALOG.movements(token)]
EXTERNAL_KEYS = [(token, field) for token in sorted(CATALOG.external_key_tokens) for field in CATALOG.external_keys(token)]
OUTSIDE = {"aws-kms": "arn:aws:kms:eu-central-1:111122223333:key/k", "gcp-location": "europe-west3",
           "aws-region": "eu-central-1", "azure-region": "germanywestcentral",
           "gcp-kms": "projects/p/locations/europe-west3/keyRings/r/cryptoKeys/k"}


def properties_at(path: str, value, naming: str) -> dict:
    """The smallest property tree that holds `value` at a catalogue path (`a[].b` is a list)."""
    for segment in reversed(path.split(".")):
        name = segment.removesuffix("[]")
        value = {camel(name) if naming == "pulumi" else name: [value] if segment.endswith("[]") else value}
    return value


def resource(token: str, properties: dict, naming: str) -> Resource:
    terraform = CATALOG.terraform_type(token)
    return Resource(urn=f"urn:pulumi:test::test::{token}::subject", name="subject", token=token, terraform_type=terraform,
                    custom=True, properties=properties, naming=naming, region=ASHBURN)


def findings(subject: Resource, rule: str) -> set[str | None]:
    report = evaluate(Inventory(SourceInfo("generated", "."), [subject]), POLICY)
    return {f.path for f in report.findings if f.rule.id == rule and f.proven}


@pytest.mark.parametrize("naming", ["pulumi", "terraform"])
@pytest.mark.parametrize("token, field", MOVEMENTS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in MOVEMENTS])
def test_a_movement_field_naming_frankfurt_is_a_finding_at_its_path(token, field, naming):
    subject = resource(token, properties_at(field.path, FRANKFURT[field.kind], naming), naming)
    assert field.path.replace("[]", "[0]") in findings(subject, "RES002")


@pytest.mark.parametrize("token, field", MOVEMENTS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in MOVEMENTS])
def test_a_movement_field_naming_an_allowed_region_is_no_finding(token, field):
    allowed = {"region": "us-phoenix-1", "availability_domain": "Uocm:PHX-AD-1", "ocid": "ocid1.resource.oc1.phx.aaaaexample"}
    subject = resource(token, properties_at(field.path, allowed[field.kind], "pulumi"), "pulumi")
    assert findings(subject, "RES002") == set()


@pytest.mark.parametrize("token, field", EXTERNAL_KEYS, ids=[f"{t.split(':')[-1]}.{f.path}" for t, f in EXTERNAL_KEYS])
def test_a_key_field_outside_oci_is_a_finding_at_its_path(token, field):
    subject = resource(token, properties_at(field.path, OUTSIDE.get(field.form, "https://keys.example.com/k"), "pulumi"), "pulumi")
    report = evaluate(Inventory(SourceInfo("generated", "."), [subject]), POLICY)
    found = {(f.path, f.proven) for f in report.findings if f.rule.id == "RES003"}
    assert (field.path.replace("[]", "[0]"), field.form in OUTSIDE) in found
