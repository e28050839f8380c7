"""Access approvals (approvals/ beside the residency policy): what makes one hold, how statements match,
and the errors a malformed approval file gives (exit 2, naming the file, the line and the key)."""

import datetime
import subprocess
import sys

import pytest
from conftest import REPO

from residency.errors import InputError
from residency.iam import parse_statement
from residency.policy import load_policy

POLICY = """\
version: 1
regions: {allowed: [us-ashburn-1], home: us-ashburn-1}
classification: {tag_namespace: DataGovernance, tag_key: Classification, levels: [public, restricted], protected: [restricted]}
protected_compartments: [us-protected-data]
"""

APPROVAL = """\
id: APR-2026-014
statement: "Allow group data-operators to manage object-family in compartment us-protected-data where request.networkSource.name = 'us-corp'"
policy: data-operators          # the IAM policy resource: Pulumi resource name, Terraform address or name
requested_by: alice@example.com
approved_by: [bob@example.com, carol@example.com]
approved_on: 2026-12-01
expires: 2027-02-28
reason: Nightly reconciliation of the records bucket
reference: CHG-1234
"""

TODAY = datetime.date(2026, 12, 15)


def load(write, approval: str = APPROVAL, policy: str = POLICY, name: str = "APR-2026-014.yaml"):
    return load_policy(write({"policy.yaml": policy, f"approvals/{name}": approval}) / "policy.yaml")


def test_an_approval_in_the_issue_s_shape_is_read_and_holds(write):
    (approval,) = load(write).approvals
    assert (approval.id, approval.policy, approval.approved_by) == ("APR-2026-014", "data-operators", ("bob@example.com", "carol@example.com"))
    assert (approval.approved_on, approval.expires, approval.reference) == (datetime.date(2026, 12, 1), datetime.date(2027, 2, 28), "CHG-1234")
    assert approval.file == "approvals/APR-2026-014.yaml"
    assert approval.problems(90, TODAY) == []


def test_without_an_approvals_folder_there_are_none_and_the_builtin_policy_has_none(write, tmp_path):
    assert load_policy(write({"policy.yaml": POLICY}) / "policy.yaml").approvals == ()
    assert load_policy(None, cwd=tmp_path / "empty").approvals == ()


@pytest.mark.parametrize("written", [
    ("allow   GROUP data-operators TO MANAGE object-family IN compartment us-protected-data\n"
     "  WHERE request.networkSource.name = \"us-corp\""),
    "Allow group data-operators to manage object-family in compartment us-protected-data where request.networksource.name = us-corp",
])
def test_statements_match_across_whitespace_keyword_case_and_quotes(write, written):
    (approval,) = load(write).approvals
    assert approval.covers(parse_statement(written))


@pytest.mark.parametrize("other", [
    "Allow group data-operators to manage objects in compartment us-protected-data where request.networkSource.name = 'us-corp'",
    "Allow group data-operators to manage object-family in compartment us-protected-data",
    "Allow group data-operators to manage object-family in compartment us-protected-data where request.networkSource.name = 'eu-office'",
    "Allow group Data-Operators to manage object-family in compartment us-protected-data where request.networkSource.name = 'us-corp'",
])
def test_a_different_statement_is_not_covered(write, other):
    (approval,) = load(write).approvals
    assert not approval.covers(parse_statement(other))


@pytest.mark.parametrize(("change", "problem"), [
    ({"approved_by": "[bob@example.com]"}, "has 1 approver besides the requester"),
    ({"approved_by": "[bob@example.com, ' BOB@example.com']"}, "has 1 approver besides the requester"),
    ({"approved_by": "[alice@example.com, bob@example.com]"}, "is approved by its own requester alice@example.com"),
    ({"expires": "2027-03-02"}, "runs 91 days, longer than the policy's maximum of 90 (approvals.max_days)"),
    ({"expires": "2026-12-14"}, "expired on 2026-12-14"),
    ({"expires": "2026-11-30"}, "expires (2026-11-30) before it was approved (2026-12-01)"),
    ({"approved_on": "2026-12-20", "expires": "2027-01-20"}, "is dated 2026-12-20, after today (2026-12-15)"),
])
def test_what_keeps_an_approval_from_holding(write, change, problem):
    text = APPROVAL
    for key, value in change.items():
        text = "\n".join(f"{key}: {value}" if line.startswith(f"{key}:") else line for line in text.splitlines())
    (approval,) = load(write, text).approvals
    assert any(problem in found for found in approval.problems(90, TODAY)), approval.problems(90, TODAY)


def test_the_last_day_and_the_maximum_length_still_hold(write):
    (approval,) = load(write).approvals
    assert approval.problems(89, approval.expires) == []
    assert approval.problems(88, approval.expires) != []


def test_the_policy_sets_the_maximum_length(write):
    policy = load(write, policy=POLICY + "approvals:\n  max_days: 30\n")
    assert policy.approval_max_days == 30
    assert load(write).approval_max_days == 90


@pytest.mark.parametrize(("text", "line", "key", "message"), [
    (APPROVAL.replace("policy: data-operators", "polcy: data-operators"), 3, "polcy", "unknown key 'polcy'"),
    (APPROVAL.replace("requested_by: alice@example.com\n", ""), 1, "requested_by", "missing required key: requested_by"),
    (APPROVAL.replace("approved_by: [bob@example.com, carol@example.com]", "approved_by: bob@example.com"), 5,
     "approved_by", "expected array, got str 'bob@example.com'"),
    (APPROVAL.replace("expires: 2027-02-28", "expires: next spring"), 7, "expires", "'next spring' is not a date (YYYY-MM-DD)"),
    (APPROVAL.replace("reason: Nightly reconciliation of the records bucket", "reason: '  '"), 8, "reason", "'  ' is not valid here"),
    (APPROVAL.replace("to manage object-family", "to destroy object-family"), 2, "statement", "not an OCI policy statement"),
    ("- not\n- an approval\n", 1, None, "expected an approval: a mapping"),
    ("id: [unclosed\n", 2, None, "invalid YAML"),
])
def test_a_malformed_approval_names_file_line_and_key(write, text, line, key, message):
    with pytest.raises(InputError) as raised:
        load(write, text, name="broken.yaml")
    error = raised.value
    assert error.file.endswith("approvals/broken.yaml")
    assert (error.line, error.key) == (line, key)
    assert message in error.message


def test_two_approvals_with_one_id_are_refused(write):
    write({"approvals/APR-2026-014-copy.yaml": APPROVAL})
    with pytest.raises(InputError) as raised:
        load(write)
    assert "approval id 'APR-2026-014' is also used by" in raised.value.message
    assert (raised.value.key, raised.value.line) == ("id", 1)


def test_a_malformed_approval_exits_2_without_a_traceback(write):
    directory = write({
        "Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": "",
        "policies/residency.yaml": POLICY,
        "policies/approvals/APR-1.yaml": APPROVAL.replace("approved_on: 2026-12-01", "approved_on: yesterday"),
    })
    result = subprocess.run([sys.executable, "-m", "residency", "check", str(directory), "--stack", "dev"],
                            capture_output=True, text=True, cwd=directory, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "policies/approvals/APR-1.yaml:6 (approved_on): 'yesterday' is not a date (YYYY-MM-DD)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_repository_ships_approvals_that_parse():
    policy = load_policy(REPO / "policies" / "residency.yaml")
    assert policy.approvals, "the boundary's own grants are approved in policies/approvals/"


WAIVER = """\
waivers:
  - rule: {rule}
    type: oci:ObjectStorage/bucket:Bucket
    resource: "{resource}"
    reason: vendor key until the migration
    approved_by: {approved_by}
    expires: 2027-03-31
"""


@pytest.mark.parametrize(("rule", "resource", "approved_by", "key", "message"), [
    ("foreign-reference", "legacy-export", "CISO", "waivers[0].approved_by",
     "waives the mandatory rule foreign-reference with one approver; two distinct people must approve it"),
    ("RES003", "legacy-export", "[CISO, ' ciso']", "waivers[0].approved_by", "with one approver"),
    ("missing-classification", "*", "[CISO, DPO]", "waivers[0].resource", "'*' matches every resource"),
])
def test_waivers_of_mandatory_rules_need_two_people_and_none_waives_everything(write, rule, resource, approved_by, key, message):
    text = POLICY + WAIVER.format(rule=rule, resource=resource, approved_by=approved_by)
    with pytest.raises(InputError) as raised:
        load_policy(write({"policy.yaml": text}) / "policy.yaml")
    assert (raised.value.key, raised.value.line) == (key, 10 if key.endswith("approved_by") else 8)
    assert message in raised.value.message


def test_a_waiver_of_an_advisory_rule_may_have_one_approver_and_two_are_shown_together(write):
    advisory = POLICY + WAIVER.format(rule="missing-classification", resource="legacy-*", approved_by="CISO")
    assert load_policy(write({"policy.yaml": advisory}) / "policy.yaml").waivers[0].approved_by == "CISO"
    demoted = advisory.replace("missing-classification", "foreign-reference") + "rules:\n  foreign-reference: advisory\n"
    assert load_policy(write({"policy.yaml": demoted}) / "policy.yaml").waivers[0].rule == "RES003"
    two = POLICY + WAIVER.format(rule="RES003", resource="legacy-*", approved_by="[CISO, DPO]")
    assert load_policy(write({"policy.yaml": two}) / "policy.yaml").waivers[0].approved_by == "CISO, DPO"
