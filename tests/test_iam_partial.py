"""Statements known only in part before apply (`"allow group ${var.g} to ..."`): the literal words
decide what they settle; what depends on an unknown part is unproven; what no value of the unknown
parts could make a finding is none."""

from pathlib import Path

import pytest
from conftest import REPO

from residency.engine import evaluate
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo, Template
from residency.policy import load_policy

POLICY = load_policy(REPO / "policies" / "residency.yaml")
JUDGED = ("RES101", "RES102", "RES103", "RES104")  # the rules these cases are about (approvals have their own)


def findings(*statements) -> list[tuple[str, str, bool]]:
    policy = Resource(
        urn="oci_identity_policy.p", name="p", token="oci:Identity/policy:Policy", terraform_type="oci_identity_policy",
        custom=True, naming="terraform",
        properties={"compartment_id": "ocid1.tenancy.oc1..aaaa", "statements": list(statements)},
    )
    report = evaluate(Inventory(SourceInfo("terraform-hcl", "."), [policy]), POLICY)
    return sorted((f.rule.id, f.path, f.proven) for f in report.findings if f.rule.id in JUDGED)


def template(*parts) -> Template:
    return Template(tuple(UNKNOWN if part is None else part for part in parts))


@pytest.mark.parametrize("statement, expected", [
    # the group is unknown: it may be no admin group (RES103 unproven); the region rule needs no group
    (template("allow group ", None, " to manage objects in tenancy"),
     [("RES103", "statements[0]", False), ("RES104", "statements[0]", True)]),
    # reading, whatever the compartment: nothing to find
    (template("allow group Auditors to read objects in compartment ", None), []),
    # manage in an unknown compartment: it may be a protected one
    (template("allow group Readers to manage objects in compartment ", None), [("RES104", "statements[0]", False)]),
    # any-user on data is settled by the literal words, wherever it is
    (template("allow any-user to manage objects in ", None),
     [("RES101", "statements[0]", True), ("RES104", "statements[0]", False)]),
    # a compartment that is not protected, whatever the region key is
    (template("allow group Ops to manage vcns in compartment Net where request.region = '", None, "'"), []),
    # the region key decides
    (template("allow group Ops to manage objects in tenancy where request.region = '", None, "'"),
     [("RES103", "statements[0]", True), ("RES104", "statements[0]", False)]),
])
def test_the_literal_words_settle_what_they_can(statement, expected):
    assert findings(statement) == expected


def test_an_unknown_part_where_a_keyword_belongs_leaves_the_statement_unreadable():
    found = findings(template("allow ", None, " to read objects in tenancy"))
    assert found == [(rule, "statements[0]", False) for rule in ("RES101", "RES102", "RES103", "RES104")]


def test_a_define_known_only_after_apply_leaves_the_endorse_behind_it_unproven():
    usage_report = "ocid1.tenancy.oc1..aaaaaaaaned4fkpkisbwjlr56u7cj63lf3wffbilvqknstgtvzub7vhqkggq"
    endorse = "endorse group Cost to read objects in tenancy usage-report"
    assert findings(template("define tenancy usage-report as ", None), endorse) == [("RES102", "statements[1]", False)]
    assert findings(f"define tenancy usage-report as {usage_report}", endorse) == []


def test_messages_show_unknown_parts_as_written_placeholders():
    policy = Resource(
        urn="oci_identity_policy.p", name="p", token="oci:Identity/policy:Policy", terraform_type="oci_identity_policy",
        custom=True, naming="terraform", properties={"compartment_id": "ocid1.tenancy.oc1..aaaa", "statements": [
            template("allow group ", None, " to manage objects in tenancy")]},
    )
    report = evaluate(Inventory(SourceInfo("terraform-hcl", Path(".").name), [policy]), POLICY)
    messages = [f.message for f in report.findings]
    assert messages and all("${...}" in m and "residency_hole" not in m for m in messages)
