"""`residency check --state`: drift between a program and what is deployed (RES006). The Pulumi
cases are fixture programs (tests/fixtures/programs/deployed_drift); these are Terraform's and the
command line's."""

import json

from click.testing import CliRunner
from conftest import PROGRAMS
from deployed_states import COMPARTMENT, TAGS, ocid, tfstate, write

from residency.cli import main


def invoke(arguments: list[str], **options):
    """The command line with the built-in policy, named, as CI requires."""
    return CliRunner().invoke(main, [*arguments, "--policy", "builtin"], **options)


MAIN_TF = f"""
provider "oci" {{
  region = "us-ashburn-1"
}}

resource "oci_objectstorage_bucket" "data" {{
  compartment_id = "{COMPARTMENT}"
  namespace      = "ns"
  name           = "data"
  defined_tags   = {{ "DataGovernance.Classification" = "restricted" }}
}}
"""


def bucket_state(name: str, region: str) -> tuple[str, str, dict]:
    return ("oci_objectstorage_bucket", name, {"id": f"n/ns/b/{name}", "bucket_id": ocid("bucket", region, name),
                                               "compartment_id": COMPARTMENT, "namespace": "ns", "name": name,
                                               "defined_tags": TAGS})


def test_terraform_resources_left_behind_and_moved_are_found(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    state = write(tmp_path / "terraform.tfstate", tfstate([bucket_state("data", "eu-frankfurt-1"),
                                                           bucket_state("old", "eu-amsterdam-1")]))
    result = invoke(["check", str(tmp_path / "infra"), "--state", str(state), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = sorted((f["rule_id"], f["resource"]["name"], f["message"]) for f in json.loads(result.stdout)["findings"])
    assert found == [
        ("RES006", "oci_objectstorage_bucket.data",
         "declared in us-ashburn-1 but deployed in eu-frankfurt-1: its data is there until the next update replaces it"),
        ("RES006", "oci_objectstorage_bucket.old",
         "deployed in eu-amsterdam-1 but no longer declared: its data stays there until the resource is deleted"),
    ]


def test_a_state_in_line_with_the_program_passes_and_lists_the_drift_rule(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    state = write(tmp_path / "terraform.tfstate", tfstate([bucket_state("data", "iad")]))
    result = invoke(["check", str(tmp_path / "infra"), "--state", str(state), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["findings"] == [] and "RES006" in {r["id"] for r in document["rules"]}


def test_without_a_state_the_drift_rule_does_not_run():
    case = PROGRAMS / "deployed_drift" / "fail_removed"
    result = invoke(["check", str(case), "--stack", "test", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "RES006" not in {r["id"] for r in json.loads(result.stdout)["rules"]}


def test_a_state_of_the_other_engine_is_refused(tmp_path):
    case = PROGRAMS / "deployed_drift" / "fail_removed"
    state = write(tmp_path / "terraform.tfstate", tfstate([bucket_state("data", "iad")]))
    result = invoke(["check", str(case), "--stack", "test", "--state", str(state)])
    assert result.exit_code == 2
    assert "a terraform-state cannot be compared with a pulumi-program" in result.stderr


def test_a_deposed_object_beside_its_replacement_is_deployed_and_no_longer_declared(tmp_path):
    """`create_before_destroy` replaced the Frankfurt bucket; the old one waits, deposed, for the next
    apply to destroy it. Until then it holds its data: it is found under its own name."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    document = tfstate([bucket_state("data", "iad")])
    old = bucket_state("data", "eu-frankfurt-1")[2]
    document["resources"][0]["instances"].append({"schema_version": 0, "deposed": "5a4b2c1d", "attributes": old})
    state = write(tmp_path / "terraform.tfstate", document)
    result = invoke(["check", str(tmp_path / "infra"), "--state", str(state), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [(f["rule_id"], f["resource"]["name"], f["resource"]["urn"], f["message"])
             for f in json.loads(result.stdout)["findings"]]
    assert found == [
        ("RES006", "oci_objectstorage_bucket.data (deposed object 5a4b2c1d)",
         "oci_objectstorage_bucket.data (deposed object 5a4b2c1d)",
         "deployed in eu-frankfurt-1 but no longer declared: its data stays there until the resource is deleted"),
    ]


def test_a_pulumi_copy_pending_deletion_is_deployed_and_no_longer_declared(tmp_path):
    """The state of fail_removed without its archive, and with the Frankfurt copy of `data` that a
    replacement has not deleted yet (`delete: true`, the same URN as the live bucket): the copy is
    what is left behind, and the live bucket still matches the program."""
    case = PROGRAMS / "deployed_drift" / "fail_removed"
    document = json.loads((case / "state.json").read_text())
    resources = [r for r in document["deployment"]["resources"] if not r["urn"].endswith("::archive")]
    live = next(r for r in resources if r["urn"].endswith("::data"))
    frankfurt = ocid("bucket", "eu-frankfurt-1", "data")
    resources.append({**live, "delete": True, "outputs": {**live["outputs"], "bucketId": frankfurt}})
    document["deployment"]["resources"] = resources
    state = write(tmp_path / "prod.json", document)
    result = invoke(["check", str(case), "--stack", "test", "--state", str(state), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [(f["rule_id"], f["resource"]["name"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [("RES006", "data (pending deletion)",
                      "deployed in eu-frankfurt-1 but no longer declared: its data stays there until the resource is deleted")]
