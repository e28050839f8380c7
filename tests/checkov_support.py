"""Running the real checkov CLI from its own environment (.venv-checkov) in tests.

`make test` (and so CI) creates that environment first; run alone, the tests that need it are
skipped with the reason below."""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
ZYGOTE = Path(__file__).with_name("checkov_zygote.py")
CHECKS = REPO / "policies" / "checkov"
POLICY = REPO / "policies" / "residency.yaml"

needs_checkov = pytest.mark.skipif(
    not CHECKOV.is_file(), reason=".venv-checkov is missing: `make setup-checkov` creates it (`make test` does)"
)


@dataclass(frozen=True)
class Result:
    check_id: str
    resource: str  # the address Checkov reports
    file: str  # absolute
    passed: bool
    details: tuple[str, ...]


@dataclass(frozen=True)
class Scan:
    results: tuple[Result, ...]
    parsing_errors: tuple[str, ...]

    def verdicts(self, check_id: str, under: Path | None = None, providers: bool = False) -> dict[str, bool]:
        """Address -> passed, for one check (resources, or with providers=True provider blocks)."""
        found = {}
        for result in self.results:
            if result.check_id != check_id or _is_provider(result.resource) != providers:
                continue
            if under is not None and not Path(result.file).is_relative_to(under):
                continue
            found[result.resource] = result.passed
        return found

    def details(self, check_id: str, resource: str) -> tuple[str, ...]:
        return next(r.details for r in self.results if r.check_id == check_id and r.resource == resource)


class _Checkov:
    """The `checkov` command line, each run in a process forked from one that has imported Checkov
    (checkov_zygote.py): importing it costs seconds of CPU, and a test session runs it dozens of times."""

    def __init__(self):
        self._zygote: subprocess.Popen | None = None
        self._environment: dict[str, str] = {}  # the zygote's, which Checkov read as it was imported

    def run(self, arguments: list[str], environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
        argv = [str(CHECKOV), *arguments]
        base = {key: value for key, value in environment.items() if not key.startswith(NOT_READ_BY_CHECKOV)}
        if self._zygote is None:
            self._start(base)
        if base != self._environment:  # a variable Checkov may read as it is imported: a fresh process
            return subprocess.run(argv, capture_output=True, text=True, env=environment, cwd=cwd, check=False)
        with tempfile.TemporaryDirectory(prefix="checkov-run-") as scratch:
            stdout, stderr = Path(scratch, "stdout"), Path(scratch, "stderr")
            request = {"argv": argv, "environment": environment, "cwd": str(cwd), "stdout": str(stdout),
                       "stderr": str(stderr)}
            self._zygote.stdin.write(json.dumps(request) + "\n")
            self._zygote.stdin.flush()
            answer = self._zygote.stdout.readline()
            assert answer, f"the Checkov zygote ended with status {self._zygote.wait()}"
            return subprocess.CompletedProcess(argv, json.loads(answer)["returncode"], stdout.read_text(),
                                               stderr.read_text())

    def _start(self, environment: dict[str, str]) -> None:
        self._zygote = subprocess.Popen([str(CHECKOV.parent / "python"), str(ZYGOTE)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=environment, cwd=REPO)
        self._environment = environment
        atexit.register(self._stop)

    def _stop(self) -> None:
        """The zygote ends when its stdin closes."""
        self._zygote.stdin.close()
        self._zygote.wait()


# Variables Checkov itself never reads: the residency checks' own, and the test pytest is running.
NOT_READ_BY_CHECKOV = ("RESIDENCY_", "PYTEST_CURRENT_TEST")
CHECKOV_RUNS = _Checkov()


def checkov(*arguments: str, environment: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`checkov ARGUMENTS` with that environment, in that directory; its output as text."""
    return CHECKOV_RUNS.run(list(arguments), environment, cwd)


def run_checkov(*arguments: str, policy: Path = POLICY, cwd: Path = REPO) -> Scan:
    environment = {**os.environ, "RESIDENCY_POLICY": str(policy)}
    completed = checkov(*arguments, "--external-checks-dir", str(CHECKS), "--skip-download", "--output", "json",
                        environment=environment, cwd=cwd)
    assert completed.returncode in (0, 1), completed.stderr[-3000:]
    return parse_scan(completed.stdout)


def parse_scan(text: str) -> Scan:
    document = json.loads(text)
    reports = document if isinstance(document, list) else [document]
    results, errors = [], []
    for report in reports:
        if "results" not in report:  # a framework with nothing to scan
            continue
        errors += report["results"].get("parsing_errors", [])
        for kind, passed in (("passed_checks", True), ("failed_checks", False)):
            for entry in report["results"][kind]:
                results.append(Result(entry["check_id"], entry["resource"], entry["file_abs_path"], passed,
                                      tuple(entry.get("details") or ())))
    return Scan(tuple(results), tuple(errors))


def _is_provider(address: str) -> bool:
    return address.startswith("oci.")  # oci.default, oci.<alias>; resources are oci_* or module.*
