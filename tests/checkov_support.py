"""Running the real checkov CLI from its own environment (.venv-checkov) in tests.

`make test` (and so CI) creates that environment first; run alone, the tests that need it are
skipped with the reason below."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
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


def run_checkov(*arguments: str, policy: Path = POLICY, cwd: Path = REPO) -> Scan:
    environment = {**os.environ, "RESIDENCY_POLICY": str(policy)}
    command = [str(CHECKOV), *arguments, "--external-checks-dir", str(CHECKS), "--skip-download", "--output", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=cwd, check=False)
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
