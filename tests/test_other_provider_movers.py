"""RES002 on resources of other providers (dynamic providers, commands, other clouds): one that takes a
protected resource's outputs may copy the data anywhere, so it is an unproven mover, unless the
policy lists its type under `non_moving_types`.

The programs are fixtures of RES002 (tests/fixtures/programs/cross_region_movement/
fail_other_provider_movers, pass_other_providers_that_move_nothing), which `residency check`, the
policy pack and Checkov through the plan export judge alike (tests/test_parity.py)."""

import pytest
from conftest import REPO

from residency.errors import InputError
from residency.policy import load_policy


def test_non_moving_types_are_type_tokens(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text((REPO / "policies" / "residency.yaml").read_text() + "non_moving_types:\n  - random\n")
    with pytest.raises(InputError) as error:
        load_policy(path)
    assert "non_moving_types" in str(error.value)
