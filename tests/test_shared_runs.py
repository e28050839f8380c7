"""The test suite's own shortcuts give what they stand for: a run shared between tests (and xdist
workers) is done once and each test gets a copy of its own; a Checkov run forked from the process
that has imported Checkov says exactly what the `checkov` command says."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from checkov_support import CHECKOV, CHECKS, POLICY, checkov, needs_checkov
from conftest import FIXTURES
from session_runs import SessionRuns


def two_workers(directory: Path) -> tuple[SessionRuns, SessionRuns]:
    """What two xdist workers of one session see: the same directory."""
    workers = SessionRuns(), SessionRuns()
    for worker in workers:
        worker.directory = directory
    return workers


def test_a_shared_run_is_run_once_and_each_caller_gets_its_own_copy(tmp_path):
    runs: list[str] = []

    def run() -> dict:
        runs.append("ran")
        return {"resources": ["bucket"]}

    first, second = two_workers(tmp_path)
    mine = first.get("program a stack test", run)
    mine["resources"].append("changed by the test")
    assert second.get("program a stack test", run) == {"resources": ["bucket"]}
    assert first.get("program a stack test", run) == {"resources": ["bucket"]}
    assert runs == ["ran"]
    assert second.get("program b stack test", run) == {"resources": ["bucket"]} and runs == ["ran", "ran"]


def test_a_run_that_fails_is_not_shared(tmp_path):
    first, second = two_workers(tmp_path)

    def failing() -> None:
        raise RuntimeError("the program raised")

    with pytest.raises(RuntimeError):
        first.get("program a stack test", failing)
    assert second.get("program a stack test", lambda: "ran again") == "ran again"


@needs_checkov
def test_a_forked_checkov_run_says_what_the_checkov_command_says():
    arguments = ["--file", str(FIXTURES / "checkov" / "resource_region" / "plan" / "plan.json"), "--check",
                 "CKV_RES_001", "--external-checks-dir", str(CHECKS), "--skip-download", "--output", "json"]
    environment = {**os.environ, "RESIDENCY_POLICY": str(POLICY)}
    forked = checkov(*arguments, environment=environment)
    fresh = subprocess.run([str(CHECKOV), *arguments], capture_output=True, text=True, env=environment, check=False)
    assert forked.returncode == fresh.returncode == 1
    assert json.loads(forked.stdout) == json.loads(fresh.stdout)
    assert forked.stderr == fresh.stderr
