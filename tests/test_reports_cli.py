"""The report options of the command line: several reports in one `check`, and `residency report`
for saved documents and other engines' output."""

import json
import os
import shutil

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


# --- outputs never replace what the user wrote -------------------------------------------------


def _terraform_project(tmp_path):
    project = tmp_path / "infra"
    project.mkdir()
    (project / "main.tf").write_text('provider "oci" {\n  region = "us-ashburn-1"\n}\n')
    (project / "terraform.tfvars").write_text('x = "1"\n')
    return project


@pytest.mark.parametrize("name", ["main.tf", "terraform.tfvars", "Pulumi.yml"])
def test_check_refuses_a_report_over_a_file_of_the_program(tmp_path, name):
    project = _terraform_project(tmp_path)
    stack = []
    if name == "Pulumi.yml":  # a Pulumi project: refused before the program runs
        (project / name).write_text("name: p\nruntime: python\n")
        stack = ["--stack", "s"]
    before = (project / name).read_text()
    result = invoke("check", str(project), *stack, "--report", f"md={project / name}")
    assert result.exit_code == 2, result.output
    assert "would overwrite" in result.output and (project / name).read_text() == before


def test_a_hard_link_to_an_input_is_refused(tmp_path):
    project = _terraform_project(tmp_path)
    link = tmp_path / "report.md"
    os.link(project / "main.tf", link)
    result = invoke("check", str(project), "--report", f"md={link}")
    assert result.exit_code == 2 and "would overwrite an input" in result.output


def test_a_symlink_out_of_the_output_folder_is_refused_even_dangling(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").symlink_to(tmp_path / "elsewhere" / "created.md")
    result = CliRunner().invoke(
        main, ["report", str(DOCUMENTS / "violations.json"), "--report", f"md={out / 'report.md'}"]
    )
    assert result.exit_code == 2 and "symbolic link that leads out of its folder" in result.output
    assert not (tmp_path / "elsewhere").exists()


def test_an_output_that_is_a_directory_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["report", str(DOCUMENTS / "violations.json"), "--format", "md", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory, not a file" in result.output
    result = CliRunner().invoke(main, ["export", str(PROGRAM), "--stack", "review", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory, not a file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["__main__.py", "Pulumi.yaml", "Pulumi.review.yaml", "policy.yaml"])
def test_export_refuses_to_overwrite_the_program(tmp_path, name):
    program = tmp_path / "program"
    shutil.copytree(PROGRAM, program)
    (program / "policy.yaml").rename(program / "residency.yaml") if name == "policy.yaml" else None
    target = program / ("residency.yaml" if name == "policy.yaml" else name)
    before = target.read_text()
    result = CliRunner().invoke(main, ["export", str(program), "--stack", "review", "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert "the terraform-plan output would overwrite" in result.output and target.read_text() == before


def test_a_report_is_written_atomically_over_an_earlier_one(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("earlier")
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken)
    result = CliRunner().invoke(main, ["report", str(DOCUMENTS / "violations.json"), "--report", f"md={target}"])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert target.read_text() == "earlier" and [p.name for p in tmp_path.iterdir()] == ["report.md"]
