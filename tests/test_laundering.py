"""No laundering: a value that may come from several inputs is proven allowed only when every
input is (tests/fixtures/laundering/terraform: directories read by the HCL source; the Pulumi
programs are fixtures of RES003, foreign_reference/fail_values_*, which every engine judges). The
finding names the possible inputs."""


import pytest
from conftest import FIXTURES, REPO

from residency.engine import evaluate
from residency.policy import load_policy
from residency.sources.terraform_hcl import load_directory
from residency.sources.terraform_plan import load_plan

LAUNDERING = FIXTURES / "laundering"
POLICY = load_policy(REPO / "policies" / "residency.yaml")


def findings(report, rules=("RES002", "RES003")) -> list[tuple[str, str, str | None, bool]]:
    return sorted((f.rule.id, f.resource.name, f.path, f.proven) for f in report.findings if f.rule.id in rules)


@pytest.mark.parametrize("case, expected", [
    ("coalesce_of_two_keys", [("RES003", "oci_objectstorage_bucket.data", "kms_key_id", True)]),
    ("conditional_destination", [("RES002", "oci_file_storage_replication.copy", "target_id", True)]),
    ("us_keys_only", []),
    # the variable in the index decides which of the map's keys it is
    ("map_indexed_by_a_variable", [("RES003", "oci_objectstorage_bucket.data", "kms_key_id", False)]),
    # a compartment from nowhere, nested in the block beside an Ashburn image, ties the block to no region
    ("nested_compartment_from_a_variable", []),
    # a compartment or tenancy OCID has no region; the key from a variable without a value may be anywhere
    ("region_less_ids_from_variables", [("RES003", "oci_objectstorage_bucket.data", "kms_key_id", False)]),
])
def test_terraform_values_with_several_inputs_take_the_worst_of_them(case: str, expected):
    report = evaluate(load_directory(LAUNDERING / "terraform" / case), POLICY)
    assert findings(report) == expected


def test_a_plan_s_nested_compartment_from_an_unproven_data_source_ties_the_block_to_no_region():
    """As the HCL source reads it: a nested `compartment_id` names something region-less."""
    report = evaluate(load_plan(LAUNDERING / "plans" / "nested_compartment_from_a_data_source.json"), POLICY)
    assert findings(report) == []
