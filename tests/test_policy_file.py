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
    type: oci:ObjectStorage/bucket:Bucket
    resource: "legacy-*"
    reason: vendor key until the migration
    approved_by: [CISO, DPO]
    reference: SEC-1234
    expires: 2027-03-31
"""


TODAY = datetime.date(2026, 12, 1)  # waivers may run waiver_max_days from the day the policy is read


def load(write, text: str, today: datetime.date = TODAY):
    return load_policy(write({"policy.yaml": text}) / "policy.yaml", today=today)


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
    assert load_policy(None, cwd=tmp_path).source == str(tmp_path / "policies" / "residency.yaml")


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
        (("    expires: 2027-03-31", "    expires: next year"), 21, "waivers[0].expires", "'next year' is not a date"),
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
    policy = load_policy(Path(__file__).parents[1] / "policies" / "residency.yaml", today=TODAY)
    assert policy.home_region in policy.allowed_regions


STRICT_RULES = [
    (("  RES004: mandatory", "  RES004: mandatory\n  missing-classification: disabled"), 13, "rules.missing-classification",
     "'missing-classification' names RES004 again, already set as 'RES004'"),
    (("levels: [public, confidential, restricted]", "levels: [public, confidential, Confidential, restricted]"), 8,
     "classification.levels[2]", "'Confidential' is the level 'confidential' again"),
    (('    resource: "legacy-*"', '    resource: "*"'), 17, "waivers[0].resource", "'*' matches every resource"),
    (('    resource: "legacy-*"', '    resource: "????"'), 17, "waivers[0].resource", "'????' matches every resource"),
    (('    resource: "legacy-*"', '    resource: "[a-z]*"'), 17, "waivers[0].resource", "matches every resource"),
    (("    approved_by: [CISO, DPO]", "    approved_by: ' '"), 19, "waivers[0].approved_by", "' ' is blank"),
    (("    type: oci:ObjectStorage/bucket:Bucket\n", ""), 15, "waivers[0]", "missing required key: 'type'"),
    (("    type: oci:ObjectStorage/bucket:Bucket", "    type: bucket"), 16, "waivers[0].type", "'bucket' is not an OCI resource type"),
    (("    expires: 2027-03-31", "    expires: 9999-12-31"), 21, "waivers[0].expires",
     "9999-12-31 is more than waiver_max_days (365) after today (2026-12-01)"),
]


@pytest.mark.parametrize("change, line, key, message", STRICT_RULES, ids=[r[2] + ":" + r[3][:20] for r in STRICT_RULES])
def test_a_policy_that_could_be_read_two_ways_or_waive_too_much_is_refused(write, change, line, key, message):
    with pytest.raises(InputError) as raised:
        load(write, VALID.replace(*change))
    error = raised.value
    assert (error.line, error.key) == (line, key)
    assert message in error.message


def test_the_waiver_horizon_is_the_policy_s_own_and_counts_from_the_day_it_is_read(write):
    late = VALID.replace("    expires: 2027-03-31", "    expires: 2028-03-31")
    with pytest.raises(InputError, match="more than waiver_max_days"):
        load(write, late)
    assert load(write, late, today=datetime.date(2027, 4, 1)).waivers[0].expires == datetime.date(2028, 3, 31)
    longer = late.replace("waivers:\n", "waiver_max_days: 730\nwaivers:\n")
    assert load(write, longer).waiver_max_days == 730
    expired = VALID.replace("    expires: 2027-03-31", "    expires: 2020-01-01")
    assert load(write, expired).waivers[0].expires == datetime.date(2020, 1, 1)  # on record; it no longer applies


def test_a_waiver_names_one_type_by_token_or_terraform_type(write):
    (by_token,) = load(write, VALID).waivers
    (by_terraform,) = load(write, VALID.replace("oci:ObjectStorage/bucket:Bucket", "oci_objectstorage_bucket")).waivers
    assert by_token.types == by_terraform.types == {"oci:ObjectStorage/bucket:Bucket", "oci_objectstorage_bucket"}
    bucket, volume = ("oci:ObjectStorage/bucket:Bucket",), ("oci:Core/volume:Volume", "oci_core_volume")
    assert by_token.matches("RES003", bucket, ["urn:x", "legacy-export"])
    assert not by_token.matches("RES003", volume, ["urn:x", "legacy-export"])  # a volume named like the bucket
    assert not by_token.matches("RES001", bucket, ["urn:x", "legacy-export"])


def test_a_waiver_matches_by_urn_address_or_name_the_same_way_in_every_source(write):
    from residency.findings import ResourceIdentity

    text = VALID.replace('resource: "legacy-*"', 'resource: "exports/legacy"')
    (waiver,) = load(write, text).waivers
    pulumi = ResourceIdentity("urn:pulumi:s::p::oci:ObjectStorage/bucket:Bucket::exports/legacy", "exports/legacy",
                              "oci:ObjectStorage/bucket:Bucket", "oci_objectstorage_bucket", None, None, None)
    exported = "module.app.oci_objectstorage_bucket.exports_legacy"  # the same bucket through the plan export
    terraform = ResourceIdentity(exported, exported, "oci_objectstorage_bucket", "oci_objectstorage_bucket",
                                 None, None, None)
    for resource in (pulumi, terraform):
        assert waiver.matches("RES003", resource.types, resource.names)
    assert "oci_objectstorage_bucket.exports_legacy" in pulumi.names and "exports_legacy" in terraform.names


def test_the_loader_reads_rule_names_from_the_rules_it_is_given(write):
    """No hidden registry: the rules a policy may name are a parameter (RULES by default)."""
    from residency.rules import RULES

    only_region = [rule for rule in RULES if rule.meta.id == "RES001"]
    with pytest.raises(InputError, match="unknown rule 'RES004'"):
        load_policy(write({"policy.yaml": VALID}) / "policy.yaml", today=TODAY, rules=only_region)


def test_a_renewed_waiver_applies_beside_its_expired_predecessor(write):
    from residency.engine import Judge
    from residency.findings import ResourceIdentity
    from residency.rules import RULES

    renewed = VALID + VALID[VALID.index("  - rule: RES003"):].replace("2027-03-31", "2027-09-30")
    policy = load(write, renewed.replace("expires: 2027-03-31", "expires: 2026-06-30", 1))
    bucket = ResourceIdentity("urn:x", "legacy-export", "oci:ObjectStorage/bucket:Bucket", None, None, None, None)
    rule = next(r.meta for r in RULES if r.meta.id == "RES003")
    applied = Judge(policy, TODAY).waiver(rule, bucket)
    assert applied.active and applied.waiver.expires == datetime.date(2027, 9, 30)
    applied = Judge(policy, datetime.date(2027, 10, 1)).waiver(rule, bucket)
    assert not applied.active  # both over: the finding counts, with the waiver on record


@pytest.mark.parametrize("module", ["residency.rules", "residency.policy", "residency.policy.loader", "residency.engine"])
def test_each_package_imports_first_in_a_fresh_interpreter(module):
    """Rule modules may import the policy package, and the loader reads the rules: neither order
    of first import may meet a half-initialised module."""
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_the_builtin_policy_holds_to_the_schema(tmp_path):
    """`--policy builtin` is not validated at each run (it is part of residency): read as a file a user
    wrote, which is validated, it is the same policy."""
    import dataclasses
    from importlib import resources

    from residency.policy import BUILTIN
    from residency.policy.loader import _schema_errors
    from residency.yamlfile import load_yaml, plain

    copy = tmp_path / "policies" / "residency.yaml"
    copy.parent.mkdir()
    copy.write_text((resources.files("residency.policy") / "default.yaml").read_text())
    assert _schema_errors(plain(load_yaml(copy))) == []
    as_file, builtin = load_policy(copy, today=TODAY), load_policy(BUILTIN, today=TODAY)
    assert dataclasses.replace(as_file, source=builtin.source) == builtin


def test_a_file_named_like_the_builtin_policy_is_still_validated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "built-in default").write_text("version: 1\nregions: {}\n")
    with pytest.raises(InputError, match="missing required key"):
        load_policy(Path("built-in default"))
