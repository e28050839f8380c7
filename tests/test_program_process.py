"""The program under review runs in a process of its own and cannot decide the gate's verdict: what it
does to its own process, its output or its interpreter leaves the gate's exit status and stdout as
the findings say, and a program that does not finish ends in exit 2 naming the cause."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from residency.cli import main

FRANKFURT_BUCKET = """\
import pulumi
import pulumi_oci as oci

frankfurt = oci.Provider("frankfurt", region="eu-frankfurt-1")
oci.objectstorage.Bucket("data", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name="data",
                         defined_tags={"DataGovernance.Classification": "restricted"},
                         opts=pulumi.ResourceOptions(provider=frankfurt))
"""


def check(directory, *options):
    result = CliRunner().invoke(main, ["check", str(directory), "--stack", "dev", "--format", "json", *options])
    return result


@pytest.fixture
def program(write):
    def _program(code: str):
        return write({
            "Pulumi.yaml": "name: adversary\nruntime: python\n",
            "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
            "__main__.py": code,
        })
    return _program


def findings(result) -> list[tuple[str, str]]:
    document = json.loads(result.stdout)  # intact: nothing the program wrote reached stdout
    return sorted((f["rule_id"], f["resource"]["name"]) for f in document["findings"])


@pytest.mark.parametrize("trick", [
    # writing to the process's stdout, as bytes and through print
    "import os\nos.write(1, b'{\"findings\": []}')\nprint('{}')\n",
    # an exit hook that would end the gate's process with success
    "import atexit, os\natexit.register(lambda: os._exit(0))\n",
    # patching the engine and the CLI, as a dependency could
    ("import residency.engine, residency.cli.check, sys\n"
     "residency.engine.evaluate = lambda *a, **k: None\nsys.exit = lambda *a: None\n"),
])
def test_what_the_program_does_to_its_process_does_not_change_the_verdict(program, trick):
    result = check(program(FRANKFURT_BUCKET + trick))
    assert result.exit_code == 1, result.output
    assert findings(result) == [("RES001", "data")]


def test_a_program_that_ends_its_process_early_is_not_a_pass(program):
    result = check(program(FRANKFURT_BUCKET.replace("import pulumi\n", "import os\nimport pulumi\nos._exit(0)\n")))
    assert result.exit_code == 2 and result.stdout == ""
    assert "ended its process (status 0) before its Pulumi run completed" in result.stderr


def test_a_program_that_does_not_finish_is_stopped_at_the_timeout_with_what_it_started(program):
    directory = program(FRANKFURT_BUCKET + (
        "import pathlib, subprocess\n"
        "pathlib.Path('sleeper.pid').write_text(str(subprocess.Popen(['sleep', '600']).pid))\n"
        "while True:\n    pass\n"
    ))
    result = check(directory, "--timeout", "3")
    assert result.exit_code == 2 and result.stdout == ""
    assert "did not finish within 3 seconds (--timeout)" in result.stderr
    stat = Path(f"/proc/{(directory / 'sleeper.pid').read_text()}/stat")
    assert not stat.exists() or stat.read_text().split(")")[1].split()[0] == "Z"  # ended (at most not yet reaped)


def test_a_program_over_the_memory_limit_is_stopped(program):
    result = check(program(FRANKFURT_BUCKET + "hoard = bytearray(64 * 1024**3)\n"), "--memory-limit", "1024")
    assert result.exit_code == 2 and result.stdout == ""
    assert "more than the memory limit of 1024 MiB" in result.stderr


def test_a_failing_program_is_summarised_to_its_own_frames(program):
    result = check(program(FRANKFURT_BUCKET + "def broken():\n    raise ValueError('no such site')\nbroken()\n"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "the program raised ValueError: no such site" in result.stderr
    assert "__main__.py:9 in broken: raise ValueError" in result.stderr


def test_the_stack_is_found_under_stack_config_dir_and_answers_are_taken_from_a_file(tmp_path):
    from conftest import PROGRAMS

    case = PROGRAMS / "cross_region_movement" / "fail_destination_from_unanswered_lookup"
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "invokes:\n  - token: oci:Identity/getRegionSubscriptions:getRegionSubscriptions\n"
        "    result: {regionSubscriptions: [{regionName: us-ashburn-1, isHomeRegion: true},"
        " {regionName: us-chicago-1, isHomeRegion: false}]}\n"
    )
    result = CliRunner().invoke(main, ["check", str(case), "--format", "json", "--invoke-answers", str(answers)])
    assert result.exit_code == 0, result.output  # the one stack is picked; the destination is proven allowed
    result = CliRunner().invoke(main, ["check", str(PROGRAMS / "resource_region" / "fail_project_config_region"),
                                       "--format", "json"])
    assert result.exit_code == 1 and findings(result) == [("RES001", "dr"), ("RES001", "primary")]


SECRET_REGION_PROGRAM = """\
import pulumi
import pulumi_oci as oci

dr = oci.Provider("dr-provider", region=pulumi.Config().require_secret("drRegion"))
oci.objectstorage.Bucket("dr", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name="dr",
                         defined_tags={"DataGovernance.Classification": "restricted"},
                         opts=pulumi.ResourceOptions(provider=dr))
oci.objectstorage.ReplicationPolicy("to-dr", bucket="primary", namespace="ns", name="to-dr", destination_bucket_name="dr",
                                    destination_region_name=pulumi.Config().require_secret("drRegion"))
"""


def test_a_secret_that_decides_a_region_is_unproven_and_never_shown(write, tmp_path):
    # The project declares the DR region secret in Pulumi.yaml; the stack file sets nothing. (Not a fixture
    # of tests/fixtures/programs: pulumi-policy hands the policy pack secrets without their mark.)
    case = write({
        "Pulumi.yaml": ("name: secret-region\nruntime: python\nconfig:\n  oci:region: us-ashburn-1\n"
                        "  drRegion:\n    type: string\n    default: eu-frankfurt-1\n    secret: true\n"),
        "Pulumi.dev.yaml": "config: {}\n",
        "__main__.py": SECRET_REGION_PROGRAM,
    })
    reports = {kind: tmp_path / f"report.{kind}" for kind in ("html", "md", "sarif", "junit")}
    result = CliRunner().invoke(main, ["check", str(case), "--format", "json",
                                       *(f"--report={kind}={path}" for kind, path in reports.items())])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert sorted((f["rule_id"], f["resource"]["name"], f["proven"]) for f in document["findings"]) == [
        ("RES001", "dr", False), ("RES002", "to-dr", False)]
    assert all("is a secret, whose value is never shown" in f["message"] for f in document["findings"])
    for text in (result.stdout, result.stderr, *(path.read_text() for path in reports.values())):
        assert "frankfurt" not in text.lower()


def test_a_program_that_floods_its_output_is_stopped(program):
    result = check(program(FRANKFURT_BUCKET + "import os\nwhile True:\n    os.write(1, b'x' * 1048576)\n"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "the program raised OSError: [Errno 27] File too large" in result.stderr  # past 256 MiB


def test_a_report_never_overwrites_the_answers_file(program, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("invokes: []\n")
    result = CliRunner().invoke(main, ["check", str(program(FRANKFURT_BUCKET)), "--stack", "dev",
                                       "--invoke-answers", str(answers), "--report", f"md={answers}"])
    assert result.exit_code == 2 and answers.read_text() == "invokes: []\n"


def test_config_from_the_gates_environment_never_reaches_the_program(program, monkeypatch):
    """The SDK falls back to PULUMI_CONFIG_<KEY> for a key the stack does not set; the gate judges
    the stack's own config, so a value from its environment cannot move a resource home."""
    monkeypatch.setenv("PULUMI_CONFIG_ADVERSARY_REGION", "us-ashburn-1")
    result = check(program(
        "import pulumi\nimport pulumi_oci as oci\n"
        "region = pulumi.Config().get('region') or 'eu-frankfurt-1'\n"
        "provider = oci.Provider('chosen', region=region)\n"
        "oci.objectstorage.Bucket('data', compartment_id='ocid1.compartment.oc1..aaaa', namespace='ns', name='data',\n"
        "                         defined_tags={'DataGovernance.Classification': 'restricted'},\n"
        "                         opts=pulumi.ResourceOptions(provider=provider))\n"
    ))
    assert result.exit_code == 1, result.output
    assert findings(result) == [("RES001", "data")]
