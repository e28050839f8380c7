"""Every reader of user input, fuzzed briefly: no generated input ends in anything but the reader's
documented input error. benchmarks/fuzz_readers.py runs the same targets with 10,000 inputs each."""

import pytest
from fuzzing import FIXTURES, Target, targets
from hypothesis import HealthCheck, given, settings

from residency.sources.files import load_file

TARGETS = targets()


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_a_reader_raises_only_its_input_error(target: Target):
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(target.inputs)
    def run(text: str) -> None:
        try:
            target.run(text)
        except target.expected:
            pass

    run()


@pytest.mark.parametrize("seed, kind, resources, read", [
    ("pulumi-preview_oci.json", "pulumi-preview", 7, 1),  # every step but the delete; the read one kept apart
    ("terraform_oci.tfstate", "terraform-state", 7, 0),  # every managed instance, the deposed one too
    ("terraform-show-state_oci.json", "terraform-state", 4, 0),  # every managed resource, in nested modules too
])
def test_the_oci_seeds_are_read_whole(seed, kind, resources, read):
    """A seed the reader refused would fuzz only its first checks."""
    inventory = load_file(FIXTURES / "fuzz" / seed)
    assert (inventory.source.kind, len(inventory.resources), len(inventory.read)) == (kind, resources, read)
