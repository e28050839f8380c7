"""The policy file: what it means, and the errors a broken one gives (file, line, key)."""

import datetime
from pathlib import Path

import pytest

from residency.enforcement import Level
from residency.errors import InputError
from residency.policy import load_policy

VALID = """\
version: 1
regions:
  allowed: [us-ashburn-1, PHX]
  home: iad
classification:
  tag_namespace: DataGovernance
  tag_key: Classification
  levels: [public, confidential, restricted]
  protected: [confidential, restricted]
protected_compartments: [us-protected]
rules:
  RES004: mandatory
  cross-region-movement: {level: mandatory, unproven: advisory}
waivers:
  - rule: RES003
    resource: "legacy-*"
    reason: vendor key until the migration
    approved_by: [CISO, DPO]
    reference: SEC-1234
    expires: 2027-03-31
"""


def load(write, text: str):
    return load_policy(write({"policy.yaml": text}) / "policy.yaml")


def test_a_valid_policy_is_read(write):
    policy = load(write, VALID)
    assert [r.name for r in policy.allowed_regions] == ["us-ashburn-1", "us-phoenix-1"]
    assert policy.home_region.name == "us-ashburn-1"
    assert policy.classification.tag == "DataGovernance.Classification"
    assert policy.classification.strictest == "restricted"
    assert policy.protected_compartments == {"us-protected"}
    assert policy.setting("RES004", Level.ADVISORY).level is Level.MANDATORY
    assert policy.setting("RES002", Level.MANDATORY).unproven_level is Level.ADVISORY
    assert policy.setting("RES001", Level.MANDATORY).unproven_level is Level.MANDATORY
    (waiver,) = policy.waivers
    assert (waiver.rule, waiver.expires) == ("RES003", datetime.date(2027, 3, 31))


def test_without_a_file_the_repository_policy_or_the_builtin_default_is_used(tmp_path):
    default = load_policy(None, cwd=tmp_path)
    assert default.source == "built-in default"
    assert [r.name for r in default.allowed_regions] == ["us-ashburn-1", "us-phoenix-1", "us-sanjose-1", "us-chicago-1"]
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "residency.yaml").write_text(VALID)
    assert load_policy(None, cwd=tmp_path).source == "policies/residency.yaml"


@pytest.mark.parametrize(
    "change, line, key, message",
    [
        (("  home: iad", "  home: iad\n  primary: iad"), 5, "regions.primary", "unknown key 'primary'"),
        (("allowed: [us-ashburn-1, PHX]", "allowed: [us-ashburn-1, us-ashburn-9]"), 3, "regions.allowed[1]", "'us-ashburn-9' is not an OCI region"),
        (("  home: iad", "  home: 42"), 4, "regions.home", "expected string, got int 42"),
        (("  RES004: mandatory", "  RES004: always"), 12, "rules.RES004", "'always' is not valid here; expected mandatory, advisory or disabled"),
        (("  RES004: mandatory", "  RES999: mandatory"), 12, "rules.RES999", "unknown rule 'RES999'"),
        (("protected: [confidential, restricted]", "protected: [secret]"), 9, "classification.protected[0]", "'secret' is not one of the levels"),
        (("protected: [confidential, restricted]", "protected: [confidential]"), 9, "classification.protected", "the strictest level 'restricted' must be protected"),
        (("    expires: 2027-03-31", "    expires: next year"), 20, "waivers[0].expires", "'next year' is not a date"),
        (("version: 1", "version: 2"), 1, "version", "2 is not valid here"),
    ],
)
def test_a_broken_policy_names_the_file_the_line_and_the_key(write, change, line, key, message):
    with pytest.raises(InputError) as raised:
        load(write, VALID.replace(*change))
    error = raised.value
    assert (error.file.endswith("policy.yaml"), error.line, error.key) == (True, line, key)
    assert message in error.message


def test_a_missing_key_is_named(write):
    with pytest.raises(InputError) as raised:
        load(write, "version: 1\nregions:\n  allowed: [iad]\n  home: iad\n")
    assert raised.value.message == "missing required key: 'classification'"


def test_every_problem_is_listed(write):
    broken = VALID.replace("us-ashburn-1, PHX", "nowhere-1, PHX").replace("  home: iad", "  home: nowhere-2")
    with pytest.raises(InputError) as raised:
        load(write, broken)
    assert raised.value.line == 3 and len(raised.value.details) == 1 and "line 4" in raised.value.details[0]


def test_invalid_yaml_names_the_line(write):
    with pytest.raises(InputError) as raised:
        load(write, "version: 1\nregions: [unclosed\n")
    assert raised.value.message.startswith("invalid YAML") and raised.value.line == 3


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_policy(tmp_path / "nope.yaml")


def test_the_repository_policy_is_valid():
    policy = load_policy(Path(__file__).parents[1] / "policies" / "residency.yaml")
    assert policy.home_region in policy.allowed_regions
