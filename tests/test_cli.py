"""The command line: exit codes, output formats, and clear errors instead of tracebacks."""

import json
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import PROGRAMS, REPO

from residency.cli import main
from residency.rules import RULES as ALL_RULES

RULES = tuple(r for r in ALL_RULES if not r.meta.reads_deployed_state)  # what a check without --state runs

FRANKFURT = PROGRAMS / "resource_region" / "fail_frankfurt_provider"
COMPLIANT = PROGRAMS / "resource_region" / "pass_two_us_regions"
UNCLASSIFIED = PROGRAMS / "missing_classification" / "fail_unclassified"


def run(*args: str, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "residency", *args], check=False, capture_output=True, text=True, cwd=cwd or REPO
    )


def findings_schema():
    return json.loads(resources.files("residency.schemas").joinpath("findings-v1.schema.json").read_text())


def test_a_noncompliant_program_exits_1_naming_the_resource_and_the_rule():
    result = run("check", str(FRANKFURT), "--stack", "test")
    assert result.returncode == 1
    assert "RES001" in result.stdout and "data" in result.stdout and "eu-frankfurt-1" in result.stdout
    assert "1 findings, 1 failing" in result.stdout


def test_a_compliant_program_in_two_us_regions_exits_0():
    result = run("check", str(COMPLIANT), "--stack", "test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"No findings. Checked 3 resources against {', '.join(r.meta.id for r in RULES)}." in result.stdout


def test_the_repository_stack_passes():
    assert run("check", ".", "--stack", "us-prod").returncode == 0


def test_json_is_a_valid_versioned_findings_document_and_nothing_else():
    result = run("check", str(FRANKFURT), "--stack", "test", "--format", "json")
    document = json.loads(result.stdout)  # the program's own output must not leak into stdout
    jsonschema.validate(document, findings_schema())
    (finding,) = document["findings"]
    assert finding["rule_id"] == "RES001"
    assert finding["resource"]["region"] == "eu-frankfurt-1"
    assert finding["resource"]["region_source"] == "explicit-provider"
    assert finding["location"] == {"file": "__main__.py", "line": 7}
    assert document["summary"]["passed"] is False


def test_advisory_findings_fail_only_when_asked():
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(UNCLASSIFIED), "--stack", "test"]).exit_code == 0
    assert runner.invoke(main, ["check", str(UNCLASSIFIED), "--stack", "test", "--fail-on", "advisory"]).exit_code == 1


def test_the_stack_is_picked_when_there_is_only_one():
    assert CliRunner().invoke(main, ["check", str(FRANKFURT)]).exit_code == 1


@pytest.mark.parametrize(
    "files, args, message",
    [
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "Pulumi.a.yaml": "", "Pulumi.b.yaml": "", "__main__.py": ""},
         ["check", "{dir}"], "choose a stack with --stack (stacks with config here: a, b)"),
        ({"nothing.txt": ""}, ["check", "{dir}", "--stack", "dev"], "no Pulumi.yaml here"),
        ({"Pulumi.yaml": "name: x\nruntime: nodejs\n"}, ["check", "{dir}", "--stack", "dev"], "runtime is 'nodejs'"),
        ({"Pulumi.yaml": "name: x\nruntime: python\nmain: src/\n"}, ["check", "{dir}", "--stack", "dev"], "main is src/, which does not exist"),
        ({"Pulumi.yaml": "name: [x\n"}, ["check", "{dir}", "--stack", "dev"], "invalid YAML"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": "raise ValueError('no network config')\n"},
         ["check", "{dir}", "--stack", "dev"], "the program raised ValueError: no network config"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": "import sys\nsys.exit(3)\n"},
         ["check", "{dir}", "--stack", "dev"], "the program exited with status 3"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": "", "p.yaml": "version: 1\nregions: {}\n"},
         ["check", "{dir}", "--stack", "dev", "--policy", "{dir}/p.yaml"], "line 2 (regions): missing required key: 'allowed'"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": ""},
         ["check", "{dir}", "--stack", "dev", "--policy", "{dir}/missing.yaml"], "missing.yaml: file not found"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": ""},
         ["check", "{dir}", "--stack", "dev", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(write, files, args, message):
    directory = write(files)
    result = run(*(a.format(dir=directory) for a in args))
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_path_that_does_not_exist_is_named(tmp_path):
    result = run("check", str(tmp_path / "missing"))
    assert result.returncode == 2 and "missing: not found: expected a Pulumi program" in result.stderr


def test_a_failing_program_shows_where_it_failed(write):
    directory = write({
        "Pulumi.yaml": "name: x\nruntime: python\n",
        "__main__.py": "import network\nnetwork.build()\n",
        "network.py": "def build():\n    subnets = {}\n    return subnets['private']\n",
    })
    result = run("check", str(directory), "--stack", "dev")
    assert result.returncode == 2
    assert "the program raised KeyError: 'private'" in result.stderr
    assert "__main__.py:2 in <module>: network.build()" in result.stderr
    assert "network.py:3 in build: return subnets['private']" in result.stderr


def test_an_error_inside_an_apply_is_reported_too(write):
    directory = write({
        "Pulumi.yaml": "name: x\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
        "__main__.py": (
            "import pulumi_oci as oci\n"
            "b = oci.objectstorage.Bucket('b', compartment_id='c', namespace='n', name='b')\n"
            "b.name.apply(lambda n: 1 / 0)\n"
        ),
    })
    result = run("check", str(directory), "--stack", "dev")
    assert result.returncode == 2
    assert "ZeroDivisionError" in result.stderr and "__main__.py:3" in result.stderr
    # what the failure left pending is not printed as tracebacks of its own
    assert "Traceback" not in result.stderr and "Task was destroyed" not in result.stderr
    assert "never awaited" not in result.stderr
