"""Other engines' findings as findings documents: Pulumi's policy events and Checkov's JSON.

inputs/pulumi-engine_policy-violations.jsonl is Pulumi's own engine test output (every level and
severity); inputs/pulumi-residency-pack_preview.jsonl is an event log in the same format as the
residency pack would leave it; inputs/checkov-*.json are real `checkov -o json` output (3.3.30,
HCL and plan JSON, with a stand-in check under residency's id prefix and a skip comment)."""

import json

import pytest
from conftest import PROGRAMS
from reports_fixtures import INPUTS

from residency.errors import InputError
from residency.findings import fingerprint
from residency.policy import load_policy
from residency.readers import read_checkov_json, read_pulumi_events
from residency.readers.common import residency_rule


def pulumi(name: str, text: str | None = None, **kwargs) -> dict:
    text = text if text is not None else (INPUTS / name).read_text()
    return read_pulumi_events(text, file=name, policy=load_policy(kwargs.get("policy")))


def checkov(name: str, text: str | None = None) -> dict:
    text = text if text is not None else (INPUTS / name).read_text()
    return read_checkov_json(text, file=name, policy=load_policy(None))


def summary_of(document: dict) -> list[tuple]:
    return [
        (f["rule_id"], f["resource"]["name"], f["severity"], f["level"], f["proven"], f["message"])
        for f in document["findings"]
    ]


@pytest.mark.parametrize(
    "identifier, rule",
    [
        ("RES001", "RES001"),
        ("resource-region", "RES001"),
        ("residency-resource-region", "RES001"),
        ("CKV_RES_002", "RES002"),
        ("res_003", "RES003"),
        ("Missing_Classification", "RES004"),
        ("CKV_OCI_1", None),
        ("region", None),
        ("s3-no-public-read", None),
        ("RES0010", None),
    ],
)
def test_residency_rules_are_recognised_behind_other_engines_names(identifier, rule):
    meta = residency_rule(identifier)
    assert (meta.id if meta else None) == rule


def test_pulumi_engine_events_give_every_level_and_severity():
    document = pulumi("pulumi-engine_policy-violations.jsonl")
    findings = {f["rule_id"]: (f["severity"], f["level"]) for f in document["findings"]}
    assert findings == {
        "always-fails-critical": ("critical", "mandatory"),
        "always-fails-high": ("high", "mandatory"),
        "always-fails-medium": ("medium", "mandatory"),
        "always-fails-low": ("low", "mandatory"),
        "always-fails-unspecified": ("medium", "mandatory"),
        "always-fails-advisory-critical": ("critical", "advisory"),
        "always-fails-advisory-high": ("high", "advisory"),
        "always-fails-advisory-medium": ("medium", "advisory"),
        "always-fails-advisory-low": ("low", "advisory"),
        "always-fails-advisory-unspecified": ("medium", "advisory"),
    }
    assert {f["message"] for f in document["findings"]} == {"a policy failed"}  # color markup stripped
    assert {f["resource"]["urn"] for f in document["findings"]} == {"urn:pulumi:test::test::pkgA:m:typA::resA"}
    assert document["summary"]["failing"] == 5 and document["summary"]["resources_by_type"] == {"pkgA:m:typA": 1}
    assert document["source"]["notes"] == [
        "policy pack analyzerA 1.0.0",
        "no severity given by the engine for always-fails-advisory-unspecified, always-fails-unspecified: shown as medium",
    ]


def test_the_residency_pack_events_get_the_rules_metadata_and_fail_closed():
    document = pulumi("pulumi-residency-pack_preview.jsonl")
    assert summary_of(document) == [
        ("RES001", "profiles", "critical", "mandatory", True, "in eu-frankfurt-1, outside the allowed regions"),
        (
            "RES002",
            "profiles-dr",
            "critical",
            "mandatory",
            False,
            (
                "can't run policy 'cross-region-movement' from policy pack 'residency@v0.1.0' during preview: "
                "can't read unknown property 'destinationRegionName'"
            ),
        ),
        (
            "RES004",
            "ledger",
            "medium",
            "advisory",
            True,
            "no DataGovernance.Classification tag: the data it holds is unclassified",
        ),
        ("stack-owner-tag", "boundary-us-prod", "medium", "advisory", True, "the stack sets no owner tag"),
    ]
    first, _, volume, stack = document["findings"]
    assert first["resource"]["compartment"] == "ocid1.compartment.oc1..aaaaaaaadata"
    assert volume["resource"]["compartment"] is None  # unknown at preview
    assert first["remediation"].startswith("Create the resource through an explicit provider")
    urn = "urn:pulumi:us-prod::boundary::oci:ObjectStorage/bucket:Bucket::profiles"
    assert first["fingerprint"] == fingerprint("RES001", urn, None)  # the same as `residency check` gives
    assert stack["resource"]["urn"] == "urn:pulumi:us-prod::boundary::pulumi:pulumi:Stack::boundary-us-prod"
    rules = {r["id"]: (r["title"], r["level"]) for r in document["rules"]}
    assert rules["stack-owner-tag"] == ("Stacks name an owner", "advisory")
    assert set(rules) == {"RES001", "RES002", "RES003", "RES004", "stack-owner-tag"}
    assert document["summary"]["resources"] == 3  # providers and the stack are not counted
    assert (document["source"]["project"], document["source"]["stack"]) == ("boundary", "us-prod")


def test_an_unproven_pack_finding_takes_the_policys_unproven_level(write):
    policy = (
        write(
            {
                "p.yaml": (
                    "version: 1\nregions: {allowed: [us-ashburn-1], home: us-ashburn-1}\n"
                    "classification: {tag_namespace: D, tag_key: C, levels: [public, restricted], protected: [restricted]}\n"
                    "rules:\n  cross-region-movement: {level: mandatory, unproven: advisory}\n"
                )
            }
        )
        / "p.yaml"
    )
    document = pulumi("pulumi-residency-pack_preview.jsonl", policy=policy)
    (unproven,) = [f for f in document["findings"] if not f["proven"]]
    assert (unproven["rule_id"], unproven["level"]) == ("RES002", "advisory")


def test_an_event_stream_without_policy_events_checks_nothing_and_says_so():
    document = pulumi("x.jsonl", '{"sequence":0,"timestamp":0,"cancelEvent":{}}\n')
    assert document["findings"] == [] and document["summary"]["resources"] == 0
    assert document["source"]["notes"] == [
        "no policy pack ran: the stream has no policy events (run with --policy-pack)"
    ]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('{"cancelEvent":{}}\nnot json\n', 2, "not a Pulumi engine event (JSON lines expected)"),
        ("[1, 2]\n", 1, "expected a JSON object per line"),
        ("", None, "no Pulumi engine events in the file"),
        (
            '{"policyEvent":{"policyName":"p","policyPackName":"k","message":"m","enforcementLevel":"blocking"}}\n',
            1,
            "unknown enforcement level 'blocking'",
        ),
        (
            '{"policyEvent":{"policyName":"p","policyPackName":"k","message":"m","enforcementLevel":"advisory","severity":"urgent"}}\n',
            1,
            "unknown severity 'urgent'",
        ),
        (
            '{"policyEvent":{"policyPackName":"k","message":"m","enforcementLevel":"advisory"}}\n',
            1,
            "not a Pulumi engine event: 'policyName' is a required property",
        ),
    ],
)
def test_a_bad_event_stream_is_an_input_error_with_its_line(text, line, message):
    with pytest.raises(InputError) as raised:
        pulumi("events.jsonl", text)
    assert raised.value.line == line and message in str(raised.value)


def test_checkov_failed_and_skipped_checks_become_findings():
    document = checkov("checkov-terraform-and-plan.json")
    found = [
        (f["rule_id"], f["resource"]["urn"], f["location"]["file"], f["location"]["line"], bool(f["waiver"]))
        for f in document["findings"]
    ]
    assert found == [
        ("RES001", "oci_objectstorage_bucket.customer_data", "infra/main.tf", 5, False),
        ("RES001", "oci_objectstorage_bucket.logs", "infra/main.tf", 12, False),
        ("CKV_OCI_10", "oci_objectstorage_bucket.customer_data", "infra/main.tf", 5, False),
        ("CKV_OCI_7", "oci_objectstorage_bucket.archive", "infra/plan.json", 4, False),
        ("CKV_OCI_7", "oci_objectstorage_bucket.customer_data", "infra/main.tf", 5, False),
        ("CKV_OCI_8", "oci_objectstorage_bucket.archive", "infra/plan.json", 4, False),
        ("CKV_OCI_8", "oci_objectstorage_bucket.customer_data", "infra/main.tf", 5, False),
        ("CKV_OCI_9", "oci_objectstorage_bucket.archive", "infra/plan.json", 4, False),
        ("CKV_OCI_9", "oci_objectstorage_bucket.customer_data", "infra/main.tf", 5, False),
    ]
    # An inline `checkov:skip=CKV_RES_001` in the scanned code waives nothing: the check did not
    # run, so the finding is unproven, at the policy's level, and says where waivers belong.
    suppressed = document["findings"][1]
    assert (suppressed["waiver"], suppressed["proven"], suppressed["level"]) == (None, False, "mandatory")
    assert "logs are replicated by contract, ticket SEC-42" in suppressed["message"]
    assert "waive findings in the policy's waivers" in suppressed["message"]
    assert document["findings"][0]["severity"] == "critical"  # RES001's, as Checkov gives none offline
    assert document["findings"][0]["resource"]["terraform_type"] == "oci_objectstorage_bucket"
    assert document["findings"][7]["path"] == "kms_key_id"  # CKV_OCI_9 evaluates one key
    summary = document["summary"]
    assert (summary["findings"], summary["failing"], summary["waived"]) == (9, 9, 0)
    assert summary["resources_by_type"] == {"oci": 1, "oci_objectstorage_bucket": 3}  # the provider check: oci.default
    rules = {r["id"]: r for r in document["rules"]}
    assert set(rules) == {"RES001", "CKV_OCI_1", "CKV_OCI_7", "CKV_OCI_8", "CKV_OCI_9", "CKV_OCI_10"}
    assert rules["CKV_OCI_1"]["level"] == "mandatory" and rules["RES001"]["url"].endswith("README.md#res001")  # its own page, not the input's
    assert document["source"]["notes"][:2] == ["checkov 3.3.30", "frameworks: terraform_plan, terraform"]


def test_checkov_with_nothing_to_check_passes_with_nothing_checked():
    document = checkov("checkov-nothing-to-check.json")
    assert document["findings"] == [] and document["summary"]["passed"] is True
    assert document["summary"]["resources"] == 0 and document["source"]["notes"] == ["checkov 3.3.30"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not JSON"),
        ('{"version": "1.1"}', "not Checkov JSON output"),
        (
            '{"results": {"failed_checks": [{"check_id": "X"}]}, "summary": {}}',
            "(results.failed_checks[0]): not Checkov JSON output (checkov -o json): 'check_name' is a required property",
        ),
    ],
)
def test_bad_checkov_output_is_an_input_error(text, message):
    with pytest.raises(InputError) as raised:
        checkov("out.json", text)
    assert message in str(raised.value)


def test_checkov_module_addresses_keep_their_type():
    record = {
        "check_id": "CKV_OCI_9",
        "check_name": "n",
        "resource": "module.data.oci_objectstorage_bucket.b",
        "check_result": {"result": "FAILED"},
        "file_line_range": [3, 9],
        "repo_file_path": "/modules/data/main.tf",
    }
    document = checkov(
        "out.json", json.dumps({"check_type": "terraform", "results": {"failed_checks": [record]}, "summary": {}})
    )
    (finding,) = document["findings"]
    assert finding["resource"]["type"] == "oci_objectstorage_bucket" and finding["resource"]["name"] == "b"
    assert finding["location"] == {"file": "modules/data/main.tf", "line": 3}


def test_the_readers_judge_residency_findings_with_the_policy_waivers_and_levels(tmp_path):
    """What the pack reported is judged as every engine judges: the policy's waiver (by type and
    name) and the policy's level, whatever level the event claims."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        (PROGRAMS / "resource_region" / "pass_waived_bucket_in_frankfurt" / "policy.yaml").read_text()
        + "rules:\n  resource-region: {level: mandatory, unproven: advisory}\n"
    )
    urn = "urn:pulumi:test::p::oci:{type}::legacy"
    events = [
        {"policyEvent": {"resourceUrn": urn.format(type=kind), "message": "in eu-frankfurt-1", "color": "never",
                         "policyName": "resource-region", "policyPackName": "oci-residency",
                         "policyPackVersion": "0.1.0", "enforcementLevel": "advisory"}}
        for kind in ("ObjectStorage/bucket:Bucket", "Core/volume:Volume")
    ]
    document = pulumi("events.jsonl", "".join(json.dumps(e) + "\n" for e in events), policy=policy)
    found = {f["resource"]["type"]: (f["level"], bool(f["waiver"] and f["waiver"]["active"])) for f in document["findings"]}
    assert found == {"oci:ObjectStorage/bucket:Bucket": ("mandatory", True), "oci:Core/volume:Volume": ("mandatory", False)}


def test_a_residency_check_that_passes_below_fail_on_still_reports_its_findings():
    """`residency checkov` (--fail-on mandatory) passes a check whose findings are advisory and
    lists them in its details: read back, they are advisory findings, not a clean pass."""
    from residency.checkov.verdicts import BELOW_FAIL_ON

    reports = json.loads((INPUTS / "checkov-terraform-and-plan.json").read_text())
    passed = dict(reports[0]["results"]["passed_checks"][0])
    passed.update({
        "check_id": "CKV_RES_004", "check_name": "Data is classified (RES004 missing-classification)",
        "resource": "oci_objectstorage_bucket.untagged", "resource_address": "oci_objectstorage_bucket.untagged",
        "details": [f"advisory: defined_tags: no DataGovernance.Classification tag {BELOW_FAIL_ON}",
                    f"advisory: defined_tags: the tag is known only after apply [not proven before apply] {BELOW_FAIL_ON}"],
    })
    reports[0]["results"]["passed_checks"].append(passed)
    document = checkov("checkov.json", json.dumps(reports))
    found = [(f["rule_id"], f["resource"]["urn"], f["level"], f["proven"], f["message"])
             for f in document["findings"] if f["rule_id"] == "RES004"]
    assert found == [
        ("RES004", "oci_objectstorage_bucket.untagged", "advisory", True, "defined_tags: no DataGovernance.Classification tag"),
        ("RES004", "oci_objectstorage_bucket.untagged", "advisory", False, "defined_tags: the tag is known only after apply"),
    ]
