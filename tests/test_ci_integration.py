"""The CI examples in the repository: the GitHub Actions workflow and the pre-commit hook,
checked by the tools that read them, and their commands run as CI would run them."""

import re
import shlex
import subprocess
import sys

from click.testing import CliRunner
from conftest import REPO
from ruamel.yaml import YAML

from residency.cli import main
from residency.render.formats import RENDERERS
from residency.render.markdown import MARKER

WORKFLOW = REPO / ".github" / "workflows" / "residency.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


def steps() -> dict:
    workflow = YAML(typ="safe").load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    return {step.get("name") or step["uses"]: step for step in job["steps"]}


def check_command() -> list[str]:
    """The `residency check` command line of the workflow's check step."""
    script = steps()["Check the stack"]["run"].replace("\\\n", " ")
    line = next(line for line in script.splitlines() if "residency check" in line)
    words = [word for word in shlex.split(line) if not word.startswith("${")]  # the baseline, when there is one
    return words[words.index(".venv/bin/residency") + 1 :]


def test_the_workflow_is_valid_for_github_actions():
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_runs_on_pull_requests_and_the_default_branch_with_the_permissions_it_uses():
    workflow = YAML(typ="safe").load(WORKFLOW.read_text())
    assert list(workflow["on"]) == ["pull_request", "push", "workflow_dispatch"]
    assert workflow["on"]["push"] == {"branches": ["main"]}  # code scanning's baseline for pull requests
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "pull-requests": "write"}
    assert 0 < job["timeout-minutes"] <= 30
    assert workflow["concurrency"]["group"].startswith("residency-")
    assert steps()["Comment on the pull request"]["if"].count("github.event_name == 'pull_request'") == 1
    base = steps()["Check the base of the pull request"]
    assert base["if"] == "github.event_name == 'pull_request'" and "--report json=" in base["run"]
    assert '"${baseline[@]}"' in steps()["Check the stack"]["run"]


def test_the_workflow_caches_pip_and_uses_current_major_versions():
    setup = steps()["actions/setup-python@v7"]
    assert setup["with"]["cache"] == "pip"
    used = {step["uses"].partition("@")[0]: step["uses"].partition("@")[2] for step in steps().values() if "uses" in step}
    assert used == {
        "actions/checkout": "v7",
        "actions/setup-python": "v7",
        "github/codeql-action/upload-sarif": "v4",
        "actions/github-script": "v9",
        "actions/upload-artifact": "v7",
    }


def test_the_workflows_check_writes_what_the_later_steps_read(tmp_path, monkeypatch):
    """Run the workflow's own command line (reports under a temporary directory), then look for
    the files where the upload and comment steps read them."""
    args = check_command()
    targets = [word.partition("=") for word in args if word.partition("=")[0] in RENDERERS]
    reports = {path: name for name, _, path in targets}  # path -> format
    moved = [
        f"{word.partition('=')[0]}={tmp_path / word.partition('=')[2]}" if word.partition("=")[0] in RENDERERS else word
        for word in args
    ]
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, moved, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sarif = steps()["Upload to code scanning"]["with"]["sarif_file"]
    assert reports[sarif] == "sarif" and (tmp_path / sarif).is_file()
    script = steps()["Comment on the pull request"]["with"]["script"]
    markdown = next(path for path, name in reports.items() if name == "md")
    assert f"readFileSync('{markdown}'" in script
    assert f"const marker = '{MARKER}';" in script
    assert (tmp_path / markdown).read_text().startswith(MARKER)
    assert steps()["Keep the reports"]["with"]["path"] == "reports/" and all(p.startswith("reports/") for p in reports)


def test_the_pre_commit_hook_is_a_valid_manifest():
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pre_commit_hooks_run_residency_check_on_program_and_policy_changes():
    isolated, system = YAML(typ="safe").load(HOOKS.read_text())
    assert (isolated["id"], system["id"]) == ("residency-check", "residency-check-system")
    assert isolated["additional_dependencies"] == [".[pulumi]"]  # the Pulumi SDK the offline source runs
    assert (isolated["language"], system["language"]) == ("python", "system")  # system: the repository's own venv
    assert "additional_dependencies" not in system
    for hook in (isolated, system):
        assert hook["entry"] == "residency check" and hook["pass_filenames"] is False
        files = re.compile(hook["files"])
        for path in ("__main__.py", "stacks/network.py", "Pulumi.yaml", "Pulumi.us-prod.yaml", "policies/residency.yaml"):
            assert files.search(path), path
        for path in ("README.md", "docs/Pulumi.md", "notes.yaml"):
            assert not files.search(path), path
