"""Every reader of user input, fuzzed briefly: no generated input ends in anything but the reader's
documented input error. benchmarks/fuzz_readers.py runs the same targets with 10,000 inputs each."""

import pytest
from fuzzing import Target, targets
from hypothesis import HealthCheck, given, settings

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
