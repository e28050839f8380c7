"""The statement texts and how they are split over policies and quotas (OCI allows 50 statements
in one policy)."""

import importlib.util

from stack_inventory import REPO

from residency.oci.regions import lookup_region

spec = importlib.util.spec_from_file_location("boundary_statements", REPO / "stacks" / "boundary" / "statements.py")
statements = importlib.util.module_from_spec(spec)
spec.loader.exec_module(statements)

ASHBURN, PHOENIX, FRANKFURT = (lookup_region(r) for r in ("us-ashburn-1", "us-phoenix-1", "eu-frankfurt-1"))


def test_iam_conditions_take_region_keys_and_quota_conditions_region_names():
    assert statements.allow("group ops", "use", "keys", "c", [ASHBURN, PHOENIX]) == (
        "Allow group ops to use keys in compartment c where any {request.region = 'iad', request.region = 'phx'}")
    assert statements.zero_quotas("kms", "c", [FRANKFURT]) == [
        "zero kms quotas in compartment c where request.region = eu-frankfurt-1"]


def test_statements_are_split_into_sets_of_at_most_fifty():
    texts = [f"statement {n}" for n in range(120)]
    parts = statements.chunks(texts)
    assert [len(p) for p in parts] == [50, 50, 20]
    assert [s for p in parts for s in p] == texts
    assert statements.chunks(texts[:50]) == [texts[:50]]
