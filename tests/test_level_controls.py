"""Controls per classification level (`controls` in the residency policy): what they default to, and the
errors a wrong one gives (file, line, key)."""

import pytest

from residency.errors import InputError
from residency.oci.regions import lookup_region
from residency.policy import load_policy

BASE = """\
version: 1
regions: {allowed: [us-ashburn-1, us-phoenix-1], home: us-ashburn-1}
classification:
  tag_namespace: DataGovernance
  tag_key: Classification
  levels: [public, confidential, restricted]
  protected: [confidential, restricted]
"""


def load(write, text: str = ""):
    return load_policy(write({"policy.yaml": BASE + text}) / "policy.yaml")


def test_without_controls_protected_levels_need_approvals_and_a_network_source_and_others_nothing(write):
    policy = load(write)
    restricted, public = policy.controls_for("restricted"), policy.controls_for("public")
    assert (restricted.approval, restricted.conditions, restricted.groups, restricted.regions) == (True, ("network-source",), None, None)
    assert (public.approval, public.conditions, public.groups, public.regions) == (False, (), None, None)
    assert policy.allows_at(lookup_region("us-phoenix-1"), "restricted")


def test_a_level_s_controls_are_read_and_what_it_leaves_out_keeps_its_default(write):
    policy = load(write, """\
controls:
  restricted:
    regions: [iad]
    groups: {data-operators: [read, use], "'Corp'/auditors": [inspect]}
    conditions: [network-source, mfa, time-window]
  confidential:
    approval: false
""")
    restricted = policy.controls_for("restricted")
    assert restricted.regions == (lookup_region("us-ashburn-1"),)
    assert restricted.groups == {"data-operators": ("read", "use"), "'Corp'/auditors": ("inspect",)}
    assert (restricted.approval, restricted.conditions) == (True, ("network-source", "mfa", "time-window"))
    assert not policy.allows_at(lookup_region("us-phoenix-1"), "restricted")
    assert policy.allows_at(lookup_region("us-phoenix-1"), "confidential")
    assert (policy.controls_for("confidential").approval, policy.controls_for("confidential").conditions) == (False, ("network-source",))


@pytest.mark.parametrize(("text", "line", "key", "message"), [
    ("controls:\n  secret: {approval: true}\n", 9, "controls.secret", "'secret' is not one of the levels"),
    ("controls:\n  public: {regions: [us-ashburn-1]}\n", 9, "controls.public.regions", "'public' is not a protected level"),
    ("controls:\n  restricted:\n    regions: [eu-frankfurt-1]\n", 10, "controls.restricted.regions[0]", "'eu-frankfurt-1' is not one of regions.allowed"),
    ("controls:\n  restricted:\n    groups: {data-operators: [delete]}\n", 10, "controls.restricted.groups.data-operators[0]", "'delete' is not valid here"),
    ("controls:\n  restricted:\n    conditions: [vpn]\n", 10, "controls.restricted.conditions[0]", "'vpn' is not valid here"),
    ("controls:\n  restricted:\n    groups: {'a b c': [read]}\n", 10, "controls.restricted.groups.a b c", "is not a group"),
    ("access:\n  allowed_cidrs: [10.0.0.0/33]\n", 9, "access.allowed_cidrs[0]", "'10.0.0.0/33' is not a CIDR block"),
])
def test_wrong_controls_name_file_line_and_key(write, text, line, key, message):
    with pytest.raises(InputError) as raised:
        load(write, text)
    assert (raised.value.line, raised.value.key) == (line, key)
    assert message in raised.value.message
