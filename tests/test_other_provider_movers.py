"""RES002 on resources of other providers (dynamic providers, commands, other clouds): one that takes a
protected resource's outputs may copy the data anywhere, so it is an unproven mover, unless the
policy lists its type under `non_moving_types`.

The programs are fixtures of RES002 (tests/fixtures/programs/cross_region_movement/
fail_other_provider_movers, pass_other_providers_that_move_nothing), which `residency check`, the
policy pack and Checkov through the plan export judge alike (tests/test_parity.py)."""

import pytest
from conftest import REPO

from residency.engine import evaluate
from residency.errors import InputError
from residency.policy import load_policy
from residency.sources.terraform_hcl import load_directory

TERRAFORM = """
provider "oci" {
  region = "us-ashburn-1"
}
resource "oci_objectstorage_bucket" "records" {
  compartment_id = "ocid1.compartment.oc1..aaaa"
  name           = "records"
  namespace      = "ns"
  defined_tags   = { "DataGovernance.Classification" = "restricted" }
}
resource "random_id" "suffix" {
  byte_length = 4
  keepers     = { bucket = oci_objectstorage_bucket.records.name }
}
resource "null_resource" "copy" {
  triggers = { bucket = oci_objectstorage_bucket.records.name }
}
"""


def policy_with(tmp_path, types: str):
    path = tmp_path / "policy.yaml"
    path.write_text((REPO / "policies" / "residency.yaml").read_text() + f"non_moving_types:\n{types}")
    return path


@pytest.mark.parametrize("listed", ["  - random\n", "  - oci_objectstorage_bucket\n", "  - Random_Id\n"])
def test_non_moving_types_are_pulumi_tokens_or_terraform_types_of_other_providers(tmp_path, listed):
    with pytest.raises(InputError) as error:
        load_policy(policy_with(tmp_path, listed))
    assert "non_moving_types" in str(error.value)


def test_a_terraform_type_listed_as_moving_nothing_is_not_a_mover(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(TERRAFORM)
    inventory = load_directory(tmp_path / "infra")
    found = evaluate(inventory, load_policy(REPO / "policies" / "residency.yaml")).findings
    assert sorted((f.rule.id, f.resource.name, f.proven) for f in found) == [
        ("RES002", "null_resource.copy", False), ("RES002", "random_id.suffix", False)]
    listed = load_policy(policy_with(tmp_path, "  - random_id\n  - random:index/randomId:RandomId\n"))
    found = evaluate(load_directory(tmp_path / "infra"), listed).findings
    assert sorted((f.rule.id, f.resource.name) for f in found) == [("RES002", "null_resource.copy")]
