"""`residency check` and Checkov with the residency checks, side by side on the same generated
Terraform plan (benchmarks/terraform_speed.py's generator), each in a fresh process: wall-clock
and CPU seconds of each and the ratio. Goal (issue #18): on 5,000 resources the gate at least 50x
faster than Checkov running the same rules.

    python benchmarks/gate_vs_checkov.py [--sizes 1000,5000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from terraform_speed import REPO, plan_document

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
POLICY = REPO / "policies" / "residency.yaml"


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the command and its children, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=environment, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    args = parser.parse_args()
    environment = {**os.environ, "RESIDENCY_POLICY": str(POLICY)}
    print(f"{'resources':>9} {'gate wall':>10} {'gate CPU':>9} {'checkov wall':>13} {'checkov CPU':>12} {'CPU ratio':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="residency-vs-checkov-") as scratch:
            plan = Path(scratch) / "plan.json"
            plan.write_text(json.dumps(plan_document(size)))
            gate = timed([sys.executable, "-m", "residency", "check", str(plan), "--policy", str(POLICY),
                          "--format", "json"], environment)
            checkov = timed([str(CHECKOV), "-f", str(plan), "--framework", "terraform_plan", "--skip-download",
                             "--external-checks-dir", str(REPO / "policies" / "checkov"), "--check", "CKV_RES_*",
                             "-o", "json"], environment)
            if gate[2] not in (0, 1) or checkov[2] not in (0, 1):
                sys.exit(f"a run failed: residency exit {gate[2]}, checkov exit {checkov[2]}")
            print(f"{size:>9} {gate[0]:>9.1f}s {gate[1]:>8.1f}s {checkov[0]:>12.1f}s {checkov[1]:>11.1f}s "
                  f"{checkov[1] / gate[1]:>9.1f}x", flush=True)


if __name__ == "__main__":
    main()
