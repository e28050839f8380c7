"""Data sources: what one returns is read by its provider configuration, in that provider's region
(tests/fixtures/data_sources: Terraform directories read by the HCL source, and plans). A value
read from one is proven when that region is allowed, or is the reading resource's own (the same
provider); it fails when the region is not allowed; it is unproven when the provider's region cannot
be shown, when the data source is not OCI's, when the attribute read may name another place (a
peer, a list of regions), or when the value may also come from an input that proves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from ruamel.yaml import YAML

from residency.engine import evaluate
from residency.errors import InputError
from residency.policy import load_policy
from residency.sources.pulumi_program import run_program
from residency.sources.terraform_hcl import load_directory
from residency.sources.terraform_plan import load_plan

DATA_SOURCES = FIXTURES / "data_sources"
POLICY = load_policy(REPO / "policies" / "residency.yaml")
DIRECTORIES = sorted(p.parent for p in (DATA_SOURCES / "terraform").glob("*/expected.yaml"))
PLANS = YAML(typ="safe").load((DATA_SOURCES / "plans" / "expected.yaml").read_text())


def assert_exactly(report, expected: list[dict]) -> None:
    actual = sorted((f.rule.id, f.resource.name, f.path, f.proven) for f in report.findings)
    assert actual == sorted((e["rule"], e["resource"], e["path"], e["proven"]) for e in expected)
    for entry in expected:
        found = [f for f in report.findings if (f.rule.id, f.resource.name, f.path) == (entry["rule"], entry["resource"], entry["path"])]
        if "message_contains" in entry:
            assert any(entry["message_contains"] in f.message for f in found), [f.message for f in found]
        if "evidence_contains" in entry:
            shown = [str(e.value) for f in found for e in f.evidence]
            assert any(entry["evidence_contains"] in s for s in shown), shown


@pytest.mark.parametrize("case", DIRECTORIES, ids=lambda p: p.name)
def test_a_terraform_directory_gives_exactly_the_expected_findings(case: Path):
    expected = YAML(typ="safe").load((case / "expected.yaml").read_text())["findings"]
    assert_exactly(evaluate(load_directory(case), POLICY), expected)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_plan_gives_exactly_the_expected_findings(name: str):
    assert_exactly(evaluate(load_plan(DATA_SOURCES / "plans" / name), POLICY), PLANS[name])


def test_every_data_source_is_in_the_inventory_with_its_provider_s_region():
    inventory = load_directory(DATA_SOURCES / "terraform" / "fail_read_in_frankfurt")
    regions = {address: d.region.shown for address, d in inventory.data_sources.items()}
    assert regions == {"data.oci_identity_availability_domains.frankfurt": "eu-frankfurt-1",
                       "module.images.data.oci_core_images.ol8": "eu-frankfurt-1"}
    assert not any(r.name.startswith("data.") or ".data." in r.name for r in inventory.resources)


@pytest.mark.parametrize("reference, named", [
    ("oci_kms_key.missing.id", "a managed resource oci_kms_key.missing"),
    ("data.oci_kms_keys.missing.keys[0].id", "a data source oci_kms_keys.missing"),
])
def test_a_reference_to_what_the_module_does_not_declare_is_an_input_error(tmp_path: Path, reference: str, named: str):
    """Terraform refuses it (`Reference to undeclared resource`); read as unknown, it would be a finding
    about a configuration nobody can apply."""
    (tmp_path / "main.tf").write_text(
        'provider "oci" {\n  region = "us-ashburn-1"\n}\n\n'
        'resource "oci_objectstorage_bucket" "data" {\n  compartment_id = "ocid1.compartment.oc1..aaaa"\n'
        f'  namespace      = "ns"\n  name           = "data"\n  kms_key_id     = {reference}\n}}\n')
    with pytest.raises(InputError) as raised:
        load_directory(tmp_path)
    assert f"reference to undeclared resource: {named} is not declared in this module" in str(raised.value)
    assert (raised.value.file, raised.value.line) == ("main.tf", 5)


def test_an_escaped_interpolation_names_nothing(tmp_path: Path):
    """`$${...}` is literal text (a template for another tool), not a reference."""
    (tmp_path / "main.tf").write_text(
        'provider "oci" {\n  region = "us-ashburn-1"\n}\n\n'
        'resource "oci_objectstorage_bucket" "data" {\n  compartment_id = "ocid1.compartment.oc1..aaaa"\n'
        '  namespace      = "ns"\n  name           = "data-$${oci_kms_key.missing.id}-${upper("x")}"\n}\n')
    (bucket,) = load_directory(tmp_path).resources
    assert bucket.properties["name"] == "data-${oci_kms_key.missing.id}-X"


def test_a_pulumi_value_from_an_invoke_the_offline_run_cannot_answer_is_unproven():
    """Pulumi shares the gap, and cannot close it offline: an unanswered invoke's result is unknown,
    and what the program registers says nothing of which invoke (or provider) it came from."""
    inventory = run_program(DATA_SOURCES / "pulumi" / "image_from_an_invoke_offline_cannot_answer", "test")
    (finding,) = evaluate(inventory, POLICY).findings
    assert (finding.rule.id, finding.resource.name, finding.path, finding.proven) == ("RES003", "app", "source_details", False)
    assert "comes from no OCI resource of this program" in finding.message
    assert any("oci:Core/getImages:getImages" in note for note in inventory.source.notes)  # what to answer
