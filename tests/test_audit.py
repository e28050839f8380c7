"""`residency audit`: a folder of mixed states, audited in parallel, one answer for the fleet."""

import importlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from deployed_states import TAGS, bucket, ocid, pulumi_export, shown_state, tfstate, write
from rich.console import Console

from residency.cli import main
from residency.render.document import validate_document


def invoke(arguments: list[str], **options):
    """The command line with the built-in policy, named, as CI requires."""
    return CliRunner().invoke(main, [*arguments, "--policy", "builtin"], **options)


SAMPLES = FIXTURES / "deployed" / "pulumi-formats"


def frankfurt_bucket(name: str) -> tuple[str, str, dict]:
    return ("oci_objectstorage_bucket", name, {"id": f"n/ns/b/{name}", "bucket_id": ocid("bucket", "eu-frankfurt-1"),
                                               "defined_tags": TAGS})


@pytest.fixture
def fleet(tmp_path) -> Path:
    """Stacks as a nightly job leaves them: two Pulumi exports, a backend checkpoint (AWS, nothing
    of OCI), an engine event log, two Terraform states, a README that is no state."""
    folder = tmp_path / "exports"
    write(folder / "prod.json", pulumi_export([bucket("data", "iad"), bucket("old", "eu-frankfurt-1")], stack="prod"))
    write(folder / "dev.json", pulumi_export([bucket("data", "iad")], stack="dev"))
    (folder / "legacy.json").write_text((SAMPLES / "pulumi-testdata_checkpoint-v4.json").read_text())
    (folder / "events.jsonl").write_text((SAMPLES / "engine_preview_provider-unknowns.jsonl").read_text())
    write(folder / "eu" / "terraform.tfstate", tfstate([frankfurt_bucket("a"), frankfurt_bucket("b")]))
    write(folder / "network.json", shown_state([("oci_core_vcn", "main", {"id": ocid("vcn", "phx"), "defined_tags": TAGS})]))
    (folder / "README.md").write_text("nightly exports")
    return folder


def test_a_fleet_is_audited_in_parallel_into_one_answer(fleet, tmp_path):
    out = tmp_path / "out"
    result = invoke([
        "audit", str(fleet), "--jobs", "2", "--report", f"json={out / 'fleet.json'}", "--report", f"sarif={out / 'fleet.sarif'}",
        "--report", f"md={out / 'fleet.md'}",
    ])
    assert result.exit_code == 1, result.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("│")}
    assert rows["prod"][1:] == ["2", "RES001 1", "eu-frankfurt-1"]
    assert rows["eu"][1:] == ["2", "RES001 2", "eu-frankfurt-1"]
    assert rows["dev"][1:] == ["1", "none", "-"]
    assert rows["foo"][1:] == ["23", "none", "-"]  # the checkpoint's stack; 23 custom resources, none of OCI
    assert rows["network"][1:] == ["1", "none", "-"]
    assert rows["test"][1:] == ["1", "none", "-"]  # the event log's stack
    assert "6 stacks, 30 resources: 2 failing" in result.stdout

    document = json.loads((out / "fleet.json").read_text())
    validate_document(document, file="fleet.json")
    assert document["source"]["kind"] == "fleet-audit"
    assert document["summary"]["failing"] == 3 and not document["summary"]["passed"]
    urns = sorted(f["resource"]["urn"] for f in document["findings"])
    state = str(fleet / "eu" / "terraform.tfstate")
    assert urns == [f"{state}::oci_objectstorage_bucket.a", f"{state}::oci_objectstorage_bucket.b",
                    "urn:pulumi:prod::data::oci:ObjectStorage/bucket:Bucket::old"]
    assert {f["location"]["file"] for f in document["findings"]} == {state, str(fleet / "prod.json")}
    assert len(json.loads((out / "fleet.sarif").read_text())["runs"][0]["results"]) == 3
    assert (out / "fleet.md").read_text().startswith("<!-- residency-report -->")


def test_a_fleet_in_line_passes_and_json_goes_to_stdout(tmp_path):
    write(tmp_path / "a.json", pulumi_export([bucket("data", "iad")], stack="a"))
    write(tmp_path / "b.json", pulumi_export([bucket("data", "phx")], stack="b"))
    result = invoke(["audit", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["summary"]["resources"] == 2 and document["summary"]["passed"]


def test_a_state_that_cannot_be_read_is_named_and_the_rest_still_audited(fleet):
    (fleet / "broken.json").write_text('{"version": 3, "deployment": {"resources": [{"type": "oci:Core/vcn:Vcn"}]}}')
    result = invoke(["audit", str(fleet), "--jobs", "1"])
    assert result.exit_code == 2
    assert f"{fleet / 'broken.json'} (deployment.resources[0].urn): a resource without urn" in result.stderr
    assert "7 stacks, 30 resources: 2 failing, 1 could not be read" in result.stdout


@pytest.mark.parametrize("arguments, expected", [
    (["missing-folder"], "missing-folder: not found: expected a state file or a folder of them"),
    (["{empty}"], "no state files (*.json, *.jsonl, *.tfstate)"),
])
def test_bad_paths_exit_2(arguments, expected, tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke(["audit", *[a.format(empty=tmp_path / "empty") for a in arguments]])
    assert result.exit_code == 2
    assert expected in result.stderr


def test_on_a_terminal_a_progress_bar_counts_the_stacks(fleet, monkeypatch):
    audit_command = importlib.import_module("residency.cli.audit")  # the module, not the command it defines
    screen = io.StringIO()
    monkeypatch.setattr(audit_command, "stderr_console", lambda: Console(file=screen, force_terminal=True, width=100))
    result = invoke(["audit", str(fleet), "--jobs", "1"])
    assert result.exit_code == 1
    assert "auditing" in screen.getvalue() and "6/6" in screen.getvalue()


def test_a_report_never_overwrites_a_state_and_from_applies_to_every_file(fleet):
    state = fleet / "prod.json"
    result = invoke(["audit", str(fleet), "--report", f"json={state}"])
    assert result.exit_code == 2 and "would overwrite an input" in result.stderr
    result = invoke(["audit", str(fleet / "prod.json"), str(fleet / "dev.json"), "--from", "pulumi-state"])
    assert result.exit_code == 1
    result = invoke(["audit", str(fleet / "prod.json"), "--from", "terraform-state"])
    assert result.exit_code == 2 and "not a Terraform state" in result.stderr
