"""The report options of the command line: several reports in one `check`, and `residency report`
for saved documents and other engines' output."""

import json

import pytest
from click.testing import CliRunner
from conftest import REPO
from reports_fixtures import DOCUMENTS, INPUTS, REPORTS

from residency.cli import main
from residency.render.formats import RENDERERS

PROGRAM = REPORTS / "program"
CHECK = ["check", str(PROGRAM), "--stack", "review", "--policy", str(PROGRAM / "policy.yaml")]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_writes_every_report_in_one_run_and_each_renders_its_json(tmp_path):
    reports = {name: tmp_path / "out" / name / f"report.{name}" for name in RENDERERS}
    result = invoke(*CHECK, *[f"--report={name}={path}" for name, path in reports.items()])
    assert result.exit_code == 1, result.output  # the findings still decide the exit status
    assert "6 findings, 4 failing" in result.output
    document = json.loads(reports["json"].read_text())
    assert document["summary"]["failing"] == 4
    for name, path in reports.items():
        assert path.read_text() == RENDERERS[name](document), name


def test_report_renders_a_saved_document_like_check_did(tmp_path):
    saved = tmp_path / "findings.json"
    html = tmp_path / "check.html"
    invoke(*CHECK, "--report", f"json={saved}", "--report", f"html={html}")
    result = invoke("report", str(saved), "--format", "html", "-o", str(tmp_path / "later" / "report.html"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "later" / "report.html").read_text() == html.read_text()


def test_report_writes_to_stdout_and_several_files(tmp_path):
    document = DOCUMENTS / "violations.json"
    result = invoke("report", str(document), "--format", "md", "--report", f"sarif={tmp_path / 'r.sarif'}")
    assert result.exit_code == 0
    assert result.output.startswith("<!-- residency-report -->\n")
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"


def test_report_reads_pulumi_events_from_stdin():
    events = (INPUTS / "pulumi-residency-pack_preview.jsonl").read_text()
    result = CliRunner().invoke(main, ["report", "-", "--from", "pulumi-events", "--format", "json"], input=events)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [f["rule_id"] for f in document["findings"]] == ["RES001", "RES002", "RES004", "stack-owner-tag"]
    assert document["source"]["path"] == "<stdin>"


def test_report_reads_checkov_json(tmp_path):
    result = invoke(
        "report", str(INPUTS / "checkov-terraform-and-plan.json"), "--from", "checkov-json", "--format", "junit"
    )
    assert result.exit_code == 0
    # the inline skip of the residency check in that output waives nothing: it is a failure too
    assert 'tests="10" failures="9" errors="0" skipped="0"' in result.output


def test_check_refuses_reports_over_its_inputs(tmp_path):
    for target in (PROGRAM / "__main__.py", PROGRAM / "Pulumi.review.yaml", PROGRAM / "policy.yaml"):
        before = target.read_text()
        result = invoke(*CHECK, "--report", f"json={target}")
        assert result.exit_code == 2
        assert f"the json report would overwrite an input: {target}" in result.output
        assert target.read_text() == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--report", "pdf=out.pdf"], "unknown format 'pdf'; expected one of html, md, sarif, junit, json"),
        (["--report", "html"], "expected FORMAT=PATH, for example html=out/report.html"),
        (["--report", "html=a/r.html", "--report", "md=a/../a/r.html"], "is given for more than one report"),
    ],
)
def test_bad_report_options_are_usage_errors(args, message):
    result = invoke(*CHECK, *args)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        ([str(DOCUMENTS / "violations.json")], "choose a report: --format FORMAT [-o FILE], or --report FORMAT=PATH"),
        ([str(DOCUMENTS / "violations.json"), "-o", "x.html"], "--output needs --format"),
        (
            [str(DOCUMENTS / "violations.json"), "--format", "md", "--policy", "p.yaml"],
            "--policy goes with --from pulumi-events",
        ),
        (
            [str(DOCUMENTS / "violations.json"), "--format", "md", "-o", str(DOCUMENTS / "violations.json")],
            "the md report would overwrite an input",
        ),
        (["missing.json", "--format", "md"], "missing.json: file not found"),
        (
            [str(INPUTS / "checkov-nothing-to-check.json"), "--format", "md"],
            "not a residency findings document: 'version' is a required property",
        ),
    ],
)
def test_report_errors_exit_2_with_a_message(args, message):
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_report_that_cannot_be_written_is_an_input_error(tmp_path):
    (tmp_path / "file").write_text("")
    result = invoke(
        "report", str(DOCUMENTS / "violations.json"), "--format", "md", "-o", str(tmp_path / "file" / "r.md")
    )
    assert result.exit_code == 2
    assert "r.md: cannot write the md report" in result.output


def test_the_commands_run_from_the_repository_root_as_ci_runs_them(monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    result = invoke("check", ".", "--stack", "us-prod", "--report", f"md={tmp_path / 'r.md'}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.md").read_text().startswith("<!-- residency-report -->\n### ✅ Residency check passed\n")
