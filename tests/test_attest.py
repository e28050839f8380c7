"""Signed attestations of gate decisions and the evidence log: a round trip through `residency
check --attest` and `residency verify`, and every tampering detected with the message that names it."""

import base64
import hashlib
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PROGRAMS, REPO
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

from residency.attest.statement import PREDICATE_TYPE, canonical_json, ci_context, digest_of
from residency.cli import main

BUCKET = """
provider "oci" {{
  region = "{region}"
}}

resource "oci_objectstorage_bucket" "records" {{
  compartment_id = "ocid1.compartment.oc1..aaaa"
  name           = "records"
  namespace      = "ns"
  defined_tags   = {{ "DataGovernance.Classification" = "restricted" }}
}}
"""


def write_key(path, private_key):
    path.write_bytes(private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    path.with_suffix(".pub").write_bytes(
        private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return path, path.with_suffix(".pub")


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout with a Terraform configuration (a bucket in Frankfurt: RES001 fails), the
    repository's policy, and a key pair outside it."""
    root = tmp_path / "checkout"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "main.tf").write_text(BUCKET.format(region="eu-frankfurt-1"))
    (root / "policies").mkdir()
    shutil.copy(REPO / "policies" / "residency.yaml", root / "policies" / "residency.yaml")
    keys = tmp_path / "keys"
    keys.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITLAB_CI", raising=False)
    return root


@pytest.fixture
def key_pair(tmp_path):
    (tmp_path / "keys").mkdir(exist_ok=True)
    return write_key(tmp_path / "keys" / "signer.pem", Ed25519PrivateKey.generate())


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def attest(key_pair, *extra, target="infra"):
    result = cli("check", target, "--attest", "out/decision.json", "--signing-key", key_pair[0], *extra)
    assert result.exit_code in (0, 1), result.output
    return result


def verify(key, *extra, attestation="out/decision.json"):
    return cli("verify", attestation, "--key", key, *extra)


def payload(path="out/decision.json"):
    envelope = json.loads(Path(path).read_text())
    return envelope, json.loads(base64.b64decode(envelope["payload"]))


def resign(statement, private_key_path, path="out/decision.json"):
    """A statement the key holder changed and signed again: the signature holds, the content lies."""
    from residency.attest.envelope import sign_statement
    from residency.attest.keys import load_signer

    envelope = sign_statement(statement, load_signer(private_key_path))
    Path(path).write_text(json.dumps(envelope))


def problems(result):
    return [line.removeprefix("mismatch: ") for line in result.output.splitlines() if line.startswith("mismatch: ")]


def test_round_trip_a_failing_decision_verifies_against_its_checkout(checkout, key_pair):
    result = attest(key_pair)
    assert result.exit_code == 1  # the check's own status, attested or not
    _, statement = payload()
    predicate = statement["predicate"]
    assert statement["predicateType"] == PREDICATE_TYPE
    assert {s["name"] for s in statement["subject"]} == {"infra/main.tf", "policies/residency.yaml"}
    assert predicate["verdict"] == "fail" and predicate["exit_code"] == 1 and predicate["fail_on"] == "mandatory"
    assert predicate["policy"]["file"] == "policies/residency.yaml"
    assert [f["rule_id"] for f in predicate["findings"]["findings"] if f["level"] == "mandatory"] == ["RES001"]
    assert predicate["findings_digest"]["sha256"] == digest_of(predicate["findings"])
    assert "ci" not in predicate

    verified = verify(key_pair[1], "--source", ".")
    assert verified.exit_code == 0, verified.output
    assert "signature verified" in verified.output
    assert "inputs, verdict and failing findings as attested" in verified.output


def test_the_libraries_own_verifiers_accept_our_envelope(checkout, key_pair):
    attest(key_pair)
    envelope_data, statement = payload()
    public = serialization_public(key_pair[1])
    envelope = Envelope.from_dict(envelope_data)
    accepted = envelope.verify([public], 1)
    assert list(accepted) == [public.keyid]
    assert envelope.payload_type == "application/vnd.in-toto+json"
    in_toto = Statement.copy_from_pb(json_format.ParseDict(statement, statement_pb2.Statement()))
    in_toto.validate()
    assert in_toto.pb.type == "https://in-toto.io/Statement/v1"


def serialization_public(path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return SSlibKey.from_crypto(load_pem_public_key(path.read_bytes()))


def test_a_changed_program_file_is_named_and_its_new_verdict_shown(checkout, key_pair):
    attest(key_pair)
    (checkout / "infra" / "main.tf").write_text(BUCKET.format(region="us-ashburn-1"))
    result = verify(key_pair[1], "--source", ".")
    assert result.exit_code == 1
    found = problems(result)
    assert found[0].startswith("file infra/main.tf: changed since the decision (sha256 ")
    assert "verdict: attested fail, the checkout evaluates to pass" in found
    assert any(p.startswith("finding RES001 on oci_objectstorage_bucket.records: in eu-frankfurt-1") and p.endswith("not found on re-evaluation")
               for p in found)


def test_a_new_input_file_is_reported_as_not_attested(checkout, key_pair):
    attest(key_pair)
    (checkout / "infra" / "extra.tf").write_text('locals {\n  unused = "x"\n}\n')
    result = verify(key_pair[1], "--source", ".")
    assert result.exit_code == 1
    assert problems(result) == ["file infra/extra.tf: an input of the decision now, but not attested"]


def test_a_changed_policy_is_named(checkout, key_pair):
    attest(key_pair)
    policy = checkout / "policies" / "residency.yaml"
    policy.write_text(policy.read_text().replace("resource-region: mandatory", "resource-region: advisory"))
    result = verify(key_pair[1], "--source", ".")
    assert result.exit_code == 1
    found = problems(result)
    assert found[0].startswith("file policies/residency.yaml: changed since the decision")
    assert "verdict: attested fail, the checkout evaluates to pass" in found


def test_a_payload_edited_after_signing_fails_the_signature(checkout, key_pair):
    attest(key_pair)
    envelope, statement = payload()
    statement["predicate"]["verdict"] = "pass"
    envelope["payload"] = base64.b64encode(canonical_json(statement)).decode()
    Path("out/decision.json").write_text(json.dumps(envelope))
    result = verify(key_pair[1])
    assert result.exit_code == 1
    assert problems(result) == [(
        "signature of out/decision.json: the signature does not verify with the given key: signed by another key, "
        "or the payload was changed"
    )]


def test_an_altered_signature_is_detected(checkout, key_pair):
    attest(key_pair)
    envelope, _ = payload()
    signature = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    signature[0] ^= 1
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode()
    Path("out/decision.json").write_text(json.dumps(envelope))
    result = verify(key_pair[1])
    assert result.exit_code == 1
    assert problems(result)[0].startswith("signature of out/decision.json: the signature does not verify")


def test_another_key_does_not_verify(checkout, key_pair, tmp_path):
    attest(key_pair)
    _, other_public = write_key(tmp_path / "keys" / "other.pem", Ed25519PrivateKey.generate())
    result = verify(other_public, "--source", ".")
    assert result.exit_code == 1
    assert problems(result)[0].startswith("signature of out/decision.json: the signature does not verify")


def test_a_verdict_the_signer_changed_contradicts_the_attested_findings(checkout, key_pair):
    attest(key_pair)
    _, statement = payload()
    statement["predicate"]["verdict"] = "pass"
    resign(statement, key_pair[0])
    result = verify(key_pair[1], "--source", ".")
    assert result.exit_code == 1
    assert problems(result) == ["verdict: attested pass, but the attested findings fail the gate"]


def test_a_finding_the_signer_removed_reappears_on_re_evaluation(checkout, key_pair):
    attest(key_pair)
    _, statement = payload()
    predicate = statement["predicate"]
    findings = predicate["findings"]
    findings["findings"] = [f for f in findings["findings"] if f["rule_id"] != "RES001"]
    findings["summary"].update(failing=0, passed=True)
    predicate.update(verdict="pass", exit_code=0, findings_digest={"sha256": digest_of(findings)})
    resign(statement, key_pair[0])
    result = verify(key_pair[1], "--source", ".")
    assert result.exit_code == 1
    found = problems(result)
    assert found[0] == "verdict: attested pass, the checkout evaluates to fail"
    assert found[1].startswith("finding RES001 on oci_objectstorage_bucket.records: in eu-frankfurt-1")
    assert found[1].endswith("fails on re-evaluation, not attested")
    assert len(found) == 2


def test_findings_that_do_not_match_their_digest_are_reported(checkout, key_pair):
    attest(key_pair)
    _, statement = payload()
    statement["predicate"]["findings"]["findings"][0]["message"] = "nothing to see"
    resign(statement, key_pair[0])
    result = verify(key_pair[1])
    assert result.exit_code == 1
    assert problems(result) == ["findings: the attested findings document does not match its attested digest"]


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON"),
    ('{"payloadType": "application/vnd.in-toto+json", "signatures": []}', "not a DSSE envelope"),
    ('{"payload": "e30=", "payloadType": "text/plain", "signatures": [{"keyid": "k", "sig": "AA=="}]}',
     "payloadType is 'text/plain'"),
])
def test_a_malformed_envelope_exits_2_naming_the_file(checkout, key_pair, content, message):
    (checkout / "bad.json").write_text(content)
    result = verify(key_pair[1], attestation="bad.json")
    assert result.exit_code == 2
    assert "bad.json" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_a_signed_payload_that_is_no_statement_exits_2(checkout, key_pair):
    signer = CryptoSigner(load_private(key_pair[0]))
    envelope = Envelope(b'{"_type": "https://in-toto.io/Statement/v1"}', "application/vnd.in-toto+json", {})
    envelope.sign(signer)
    (checkout / "odd.json").write_text(json.dumps(envelope.to_dict()))
    result = verify(key_pair[1], attestation="odd.json")
    assert result.exit_code == 2
    assert "odd.json: not an in-toto Statement v1" in result.output


def load_private(path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), None)


def test_keys_are_paths_checked_and_never_printed(checkout, key_pair, tmp_path):
    not_a_key = tmp_path / "keys" / "notakey.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGJ5dGVz\n-----END PRIVATE KEY-----\n")
    result = cli("check", "infra", "--attest", "out/a.json", "--signing-key", not_a_key)
    assert result.exit_code == 2
    assert "not an unencrypted PEM private key" in result.output and "c2VjcmV0" not in result.output
    assert not (checkout / "out" / "a.json").exists()
    result = cli("check", "infra", "--attest", "out/a.json")
    assert result.exit_code == 2 and "--attest and --signing-key go together" in result.output
    result = cli("check", "infra", "--attest", "infra/main.tf", "--signing-key", key_pair[0])
    assert result.exit_code == 2 and "would overwrite an input" in result.output
    attest(key_pair)
    result = verify(key_pair[0])  # a private key where the public one belongs
    assert result.exit_code == 2 and "not a PEM public key" in result.output
    assert key_pair[0].read_text().splitlines()[1] not in result.output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_keys_made_by_openssl_sign_and_verify(checkout, tmp_path):
    private, public = tmp_path / "keys" / "openssl.pem", tmp_path / "keys" / "openssl.pub"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private], check=True)
    subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True)
    attest((private, public))
    assert verify(public, "--source", ".").exit_code == 0


def test_the_html_report_shows_the_attestation_digest(checkout, key_pair):
    attest(key_pair, "--report", "html=out/report.html", "--report", "json=out/findings.json")
    digest = hashlib.sha256(Path("out/decision.json").read_bytes()).hexdigest()
    html = Path("out/report.html").read_text()
    assert digest in html and "residency verify decision.json --key" in html
    saved = json.loads(Path("out/findings.json").read_text())
    assert saved["attestation"]["sha256"] == digest
    _, statement = payload()
    assert "attestation" not in statement["predicate"]["findings"]  # the attested document is the one before


def test_a_pulumi_program_attests_its_sources_config_policy_and_approvals(tmp_path, monkeypatch, key_pair):
    root = tmp_path / "checkout"
    shutil.copytree(PROGRAMS / "resource_region" / "pass_two_us_regions", root / "program")
    (root / "program" / "Pulumi.other.yaml").write_text("config: {}\n")  # another stack's config decides nothing
    (root / "policies" / "approvals").mkdir(parents=True)
    shutil.copy(REPO / "policies" / "residency.yaml", root / "policies" / "residency.yaml")
    approval = ("id: APR-2026-001\nstatement: Allow group ops to read buckets in compartment ops\npolicy: ops\n"
                "requested_by: a@example.com\napproved_by: [b@example.com, c@example.com]\napproved_on: 2026-12-01\n"
                "expires: 2027-01-31\nreason: {}\n")  # a whole approval: a malformed one stops the gate (exit 2)
    (root / "policies" / "approvals" / "apr-1.yaml").write_text(approval.format("example"))
    monkeypatch.chdir(root)
    result = cli("check", "program", "--stack", "test", "--attest", "out/decision.json", "--signing-key", key_pair[0])
    assert result.exit_code == 0, result.output
    _, statement = payload()
    names = {s["name"] for s in statement["subject"]}
    assert {"program/Pulumi.yaml", "program/Pulumi.test.yaml", "program/__main__.py", "policies/residency.yaml",
            "policies/approvals/apr-1.yaml"} <= names
    assert "program/Pulumi.other.yaml" not in names and "program/expected.yaml" not in names
    approvals = statement["predicate"]["approvals"]
    assert [(a["id"], a["file"]) for a in approvals] == [("APR-2026-001", "policies/approvals/apr-1.yaml")]
    assert verify(key_pair[1], "--source", ".").exit_code == 0
    (root / "policies" / "approvals" / "apr-1.yaml").write_text(approval.format("changed"))
    changed = verify(key_pair[1], "--source", ".")
    assert changed.exit_code == 1
    assert problems(changed)[0].startswith("file policies/approvals/apr-1.yaml: changed since the decision")


def test_the_ci_context_names_repository_commit_and_run(checkout, key_pair, monkeypatch):
    environment = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": "abc123",
                   "GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://github.com"}
    expected = {"system": "github-actions", "repository": "acme/infra", "commit": "abc123", "run_id": "42",
                "server": "https://github.com"}
    assert ci_context(environment) == expected
    assert ci_context({}) is None
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    attest(key_pair, "--evidence-log", "out/evidence.jsonl")
    assert payload()[1]["predicate"]["ci"] == expected
    assert json.loads(Path("out/evidence.jsonl").read_text())["ci"] == expected


# The evidence log


@pytest.fixture
def log_of_three(checkout, key_pair):
    for _ in range(3):
        attest(key_pair, "--evidence-log", "out/evidence.jsonl")
    return checkout / "out" / "evidence.jsonl"


def verify_log(log, key=None):
    return cli("verify", "--log", log, *(["--key", key] if key else []))


def test_a_log_of_three_decisions_verifies(log_of_three, key_pair):
    entries = [json.loads(line) for line in log_of_three.read_text().splitlines()]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev"] == "0" * 64
    digest = hashlib.sha256(Path("out/decision.json").read_bytes()).hexdigest()
    assert entries[2]["attestation"] == {"file": "decision.json", "sha256": digest}
    result = verify_log(log_of_three, key_pair[1])
    assert result.exit_code == 0, result.output
    assert "every entry in place, each signed by the given key" in result.output


def rewrite(log, transform):
    lines = log.read_text().splitlines()
    log.write_text("\n".join(transform(lines)) + "\n")


def test_a_removed_entry_is_reported_by_position(log_of_three, key_pair):
    rewrite(log_of_three, lambda lines: [lines[0], lines[2]])
    result = verify_log(log_of_three, key_pair[1])
    assert result.exit_code == 1
    assert problems(result) == [f"evidence log {log_of_three}: entries removed before line 2: seq 2 missing"]


def test_reordered_entries_are_reported_by_position(log_of_three):
    rewrite(log_of_three, lambda lines: [lines[0], lines[2], lines[1]])
    result = verify_log(log_of_three)
    assert result.exit_code == 1
    assert [p.split(": ", 1)[1] for p in problems(result)] == [
        "entry at line 2 (seq 3) is out of order: reordered, expected seq 2",
        "entry at line 3 (seq 2) is out of order: reordered, expected seq 4",
    ]


def test_an_edited_entry_is_reported_by_position(log_of_three, key_pair):
    def edit(lines):
        lines[1] = lines[1].replace('"verdict":"fail"', '"verdict":"pass"')
        return lines

    rewrite(log_of_three, edit)
    assert [p.split(": ", 1)[1] for p in problems(verify_log(log_of_three))] == [
        "entry at line 2 was altered: line 3 records another hash for it",
    ]
    assert [p.split(": ", 1)[1] for p in problems(verify_log(log_of_three, key_pair[1]))] == [
        "entry at line 2 was altered: its signature does not verify with the given key",
        "entry at line 2 was altered: line 3 records another hash for it",
    ]


def test_an_edited_last_entry_is_caught_by_its_signature(log_of_three, key_pair):
    def edit(lines):
        lines[2] = lines[2].replace('"verdict":"fail"', '"verdict":"pass"')
        return lines

    rewrite(log_of_three, edit)
    result = verify_log(log_of_three, key_pair[1])
    assert result.exit_code == 1
    assert [p.split(": ", 1)[1] for p in problems(result)] == [
        "entry at line 3 was altered: its signature does not verify with the given key",
    ]


def test_a_seq_edited_far_ahead_is_reported_at_once(log_of_three):
    """Found with the evidence log's fuzz target: the entries missing before it were counted one by one, without end."""
    rewrite(log_of_three, lambda lines: [*lines[:2], lines[2].replace('"seq":3', '"seq":1000000000000', 1)])
    assert [p.split(": ", 1)[1] for p in problems(verify_log(log_of_three))] == [
        "entries removed before line 3: seq 3 to 999999999999 missing",
    ]


def test_a_log_line_that_is_no_entry_is_an_alteration(log_of_three):
    rewrite(log_of_three, lambda lines: [lines[0], "garbage", lines[2]])
    found = [p.split(": ", 1)[1] for p in problems(verify_log(log_of_three))]
    assert found == [
        "entry at line 2 was altered: it is no longer an evidence entry",
        "entry at line 2 was altered: line 3 records another hash for it",
    ]


def test_an_evidence_log_needs_an_attestation(checkout, key_pair):
    result = cli("check", "infra", "--evidence-log", "out/evidence.jsonl")
    assert result.exit_code == 2 and "--evidence-log needs --attest" in result.output


def test_the_workflow_attests_each_run_and_keeps_the_attestation_and_its_log_entry(tmp_path, monkeypatch, key_pair):
    """The workflow's attest step, run as written (the key from a file instead of the secret's pipe,
    a small program instead of the stack), writes what its upload step keeps."""
    from test_ci_integration import steps

    script = steps()["Attest the decision"]["run"].replace("\\\n", " ")
    assert "env -u RESIDENCY_SIGNING_KEY" in script  # the program under review never sees the key
    line = next(line for line in script.splitlines() if "residency check" in line)
    words = shlex.split(line.replace("<(printf '%s\\n' \"$RESIDENCY_SIGNING_KEY\")", str(key_pair[0])))
    args = words[words.index(".venv/bin/residency") + 1:]
    kept = steps()["Keep the attestation"]["with"]["path"].split()
    assert args[args.index("--attest") + 1] in kept and args[args.index("--evidence-log") + 1] in kept
    args[args.index(".")] = str(PROGRAMS / "resource_region" / "pass_two_us_regions")
    args[args.index("--stack") + 1] = "test"
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert all((tmp_path / path).is_file() for path in kept)
    assert verify(key_pair[1], "--log", kept[1], attestation=kept[0]).exit_code == 0


def test_checkov_decisions_are_attested_with_checkovs_verdict_and_the_engines_findings(checkout, key_pair, tmp_path):
    fake_checkov = tmp_path / "checkov"
    fake_checkov.write_text("#!/bin/sh\nexit 1\n")  # Checkov's verdict: failed checks
    fake_checkov.chmod(0o755)
    result = cli("checkov", "infra", "--checkov", fake_checkov, "--attest", "out/decision.json",
                 "--signing-key", key_pair[0], "--evidence-log", "out/evidence.jsonl")
    assert result.exit_code == 1, result.output
    _, statement = payload()
    predicate = statement["predicate"]
    assert (predicate["command"], predicate["verdict"], predicate["exit_code"]) == ("checkov", "fail", 1)
    assert [f["rule_id"] for f in predicate["findings"]["findings"] if f["level"] == "mandatory"] == ["RES001"]
    assert {s["name"] for s in statement["subject"]} == {"infra/main.tf", "policies/residency.yaml"}
    assert verify(key_pair[1], "--source", ".", "--log", "out/evidence.jsonl").exit_code == 0


def test_reports_and_attestations_beside_a_program_are_not_taken_for_its_inputs(tmp_path, monkeypatch, key_pair):
    shutil.copytree(PROGRAMS / "resource_region" / "pass_two_us_regions", tmp_path / "program")
    monkeypatch.chdir(tmp_path)
    attestation = "program/decision.json"
    result = cli("check", "program", "--stack", "test", "--attest", attestation, "--signing-key", key_pair[0],
                 "--report", "html=program/report.html", "--report", "json=program/findings.json")
    assert result.exit_code == 0, result.output
    verified = verify(key_pair[1], "--source", ".", attestation=attestation)
    assert verified.exit_code == 0, verified.output
    (tmp_path / "program" / "helpers.py").write_text("REGION = 'eu-frankfurt-1'\n")  # a module is an input
    assert problems(verify(key_pair[1], "--source", ".", attestation=attestation)) == [
        "file program/helpers.py: an input of the decision now, but not attested"
    ]


def test_a_plan_file_decision_attests_the_plan_and_verifies(checkout, key_pair):
    shutil.copy(REPO / "tests" / "fixtures" / "checkov" / "public_exposure" / "plan" / "plan.json", checkout / "plan.json")
    result = attest(key_pair, target="plan.json")
    assert result.exit_code == 1
    _, statement = payload()
    assert statement["predicate"]["target"]["kind"] == "file"
    assert {s["name"] for s in statement["subject"]} == {"plan.json", "policies/residency.yaml"}
    assert verify(key_pair[1], "--source", ".").exit_code == 0


def test_a_decision_against_a_deployed_state_attests_the_state_and_evaluates_it_again(checkout, key_pair):
    from deployed_states import tfstate, write
    from test_drift import bucket_state

    write(checkout / "terraform.tfstate", tfstate([bucket_state("records", "eu-frankfurt-1"),
                                                   bucket_state("old", "eu-amsterdam-1")]))
    attest(key_pair, "--state", "terraform.tfstate")
    _, statement = payload()
    assert statement["predicate"]["target"]["state"] == "terraform.tfstate"
    assert "terraform.tfstate" in {s["name"] for s in statement["subject"]}
    assert "RES006" in {f["rule_id"] for f in statement["predicate"]["findings"]["findings"]}
    assert verify(key_pair[1], "--source", ".").exit_code == 0, verify(key_pair[1], "--source", ".").output
    write(checkout / "terraform.tfstate", tfstate([bucket_state("records", "eu-frankfurt-1")]))
    found = problems(verify(key_pair[1], "--source", "."))
    assert found[0].startswith("file terraform.tfstate: changed since the decision")
    assert any(p.startswith("finding RES006 on oci_objectstorage_bucket.old") for p in found)


def test_checkov_never_writes_its_attestation_over_the_policy_it_found(checkout, key_pair, tmp_path):
    result = cli("checkov", "infra", "--checkov", tmp_path / "no-checkov", "--attest", "policies/residency.yaml",
                 "--signing-key", key_pair[0])
    assert result.exit_code == 2 and "would overwrite an input: policies/residency.yaml" in result.output


VARIABLE_REGION = BUCKET.replace('"{region}"', "var.region") + 'variable "region" {{}}\n'


def test_variables_given_on_the_command_line_are_attested_in_order_and_evaluated_again(checkout, key_pair):
    """--var-file and --var decide the region: the attestation records them (the file as a subject,
    the value as given, in command-line order) and verify evaluates the checkout with them."""
    Path("infra/main.tf").write_text(VARIABLE_REGION.format())
    Path("prod.tfvars").write_text('region = "eu-frankfurt-1"\n')
    result = attest(key_pair, "--var-file", "prod.tfvars", "--var", "region=us-ashburn-1")
    assert result.exit_code == 0, result.output  # the later --var wins, as in terraform plan
    _, statement = payload()
    assert statement["predicate"]["target"]["variables"] == [{"var_file": "prod.tfvars"}, {"var": "region=us-ashburn-1"}]
    assert "prod.tfvars" in {s["name"] for s in statement["subject"]}
    assert verify(key_pair[1], "--source", ".").exit_code == 0, verify(key_pair[1], "--source", ".").output

    result = attest(key_pair, "--var", "region=us-ashburn-1", "--var-file", "prod.tfvars")
    assert result.exit_code == 1  # now the file wins: Frankfurt
    assert verify(key_pair[1], "--source", ".").exit_code == 0
    Path("prod.tfvars").write_text('region = "us-phoenix-1"\n')
    found = problems(verify(key_pair[1], "--source", "."))
    assert found[0].startswith("file prod.tfvars: changed since the decision")
    assert "verdict: attested fail, the checkout evaluates to pass" in found


def test_a_programs_invoke_answers_are_attested_and_used_again(checkout, key_pair, tmp_path):
    """A Pulumi program whose DR region comes from a data source the gate has no answer for: proven
    only with the user's answers, which the attestation names and verify uses."""
    shutil.copytree(PROGRAMS / "cross_region_movement" / "fail_destination_from_unanswered_lookup", "program")
    shutil.rmtree("program/__pycache__", ignore_errors=True)
    Path("answers.yaml").write_text(
        "invokes:\n  - token: oci:Identity/getRegionSubscriptions:getRegionSubscriptions\n"
        "    result: {regionSubscriptions: [{regionName: us-ashburn-1, isHomeRegion: true},"
        " {regionName: us-chicago-1, isHomeRegion: false}]}\n"
    )
    result = attest(key_pair, "--invoke-answers", "answers.yaml", target="program")
    assert result.exit_code == 0, result.output
    _, statement = payload()
    assert statement["predicate"]["target"]["invoke_answers"] == "answers.yaml"
    assert "answers.yaml" in {s["name"] for s in statement["subject"]}
    assert verify(key_pair[1], "--source", ".").exit_code == 0, verify(key_pair[1], "--source", ".").output
    Path("answers.yaml").write_text("invokes: []\n")
    found = problems(verify(key_pair[1], "--source", "."))
    assert found[0].startswith("file answers.yaml: changed since the decision")
    assert "verdict: attested pass, the checkout evaluates to fail" in found


def test_a_variable_file_inside_the_configuration_is_one_subject(checkout, key_pair):
    Path("infra/main.tf").write_text(VARIABLE_REGION.format())
    Path("infra/prod.tfvars").write_text('region = "us-ashburn-1"\n')
    assert attest(key_pair, "--var-file", "infra/prod.tfvars").exit_code == 0
    names = [s["name"] for s in payload()[1]["subject"]]
    assert names.count("infra/prod.tfvars") == 1
    assert verify(key_pair[1], "--source", ".").exit_code == 0
