"""`residency checkov` on a Pulumi program against the same work done by hand: the program run and
exported (`residency export`), then plain Checkov with the residency checks on the exported plan.
A generated program (benchmarks/offline_source.py's) of each size; every command in a fresh
process; wall-clock and CPU seconds (the command and its children) of each side, and the ratio
bridge / by hand. Goal (issue #18): within 1.1x at 5,000 resources.

    python benchmarks/checkov_bridge.py [--sizes 1000,5000] [--repeat 1]

CPU seconds are the measure on a shared machine: wall-clock grows with whatever else runs. The two
sides run at the same time, each of its repeats, and the fastest of each side counts: load inflates
CPU seconds too, and so falls on both alike.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from offline_source import PROGRAM

REPO = Path(__file__).resolve().parents[1]
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
CHECKS = REPO / "policies" / "checkov"
POLICY = REPO / "policies" / "residency.yaml"
STACK = "bench"


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def timed(command: list[str], environment: dict[str, str], accepted: tuple[int, ...] = (0, 1)) -> Timing:
    """One command in a fresh process: its wall-clock and CPU seconds, its children's included
    (`os.wait4` gives that process's own, while the other side runs beside it)."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environment, cwd=REPO, stdout=output, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(status)
        if returncode not in accepted:
            errors.seek(0)
            sys.exit(f"{' '.join(command)} exited {returncode}:\n{errors.read().decode(errors='replace')[-3000:]}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def write_program(folder: Path, size: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (folder / f"Pulumi.{STACK}.yaml").write_text("config:\n  oci:region: us-ashburn-1\n")
    (folder / "__main__.py").write_text(textwrap.dedent(PROGRAM.format(count=size)))
    return folder


def bridge(program: Path, environment: dict[str, str]) -> Timing:
    """`residency checkov PROGRAM`: Checkov's checks and the residency checks, JSON out."""
    return timed([sys.executable, "-m", "residency", "checkov", str(program), "--stack", STACK, "--policy", str(POLICY),
                  "--checkov", str(CHECKOV), "-o", "json"], environment)


def by_hand(program: Path, plan: Path, environment: dict[str, str]) -> tuple[Timing, Timing]:
    """`residency export` to a file, then Checkov on it as a user would run it: the same checks."""
    export = timed([sys.executable, "-m", "residency", "export", str(program), "--stack", STACK, "-o", str(plan)],
                   environment, accepted=(0,))
    checkov = timed([str(CHECKOV), "-f", str(plan), "--framework", "terraform_plan", "--skip-download",
                     "--external-checks-dir", str(CHECKS), "-o", "json"],
                    {**environment, "RESIDENCY_POLICY": str(POLICY), "RESIDENCY_FAIL_ON": "mandatory"})
    return export, checkov


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="resource counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side per size; the fastest CPU time counts")
    options = parser.parse_args()
    if not CHECKOV.is_file():
        sys.exit(f"{CHECKOV} is missing: `make setup-checkov` creates it")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"),
                                                                              os.environ.get("PYTHONPATH")]))}
    print(f"{'resources':>9} {'bridge wall':>11} {'bridge CPU':>10} {'export CPU':>10} {'checkov CPU':>11} "
          f"{'by hand wall':>12} {'by hand CPU':>11} {'CPU ratio':>9} {'wall ratio':>10}")
    with tempfile.TemporaryDirectory(prefix="residency-bridge-") as scratch:
        for size in (int(s) for s in options.sizes.split(",")):
            program = write_program(Path(scratch) / f"program-{size}", size)
            plan = Path(scratch) / f"plan-{size}.json"
            bridged, export, checkov = None, None, None
            for _ in range(options.repeat):
                # the sides run at once, so the load of a shared machine, which inflates CPU seconds
                # too, falls on both alike (one after the other, a run's ratio moved by 0.2 with it)
                with ThreadPoolExecutor(max_workers=2) as sides:
                    bridging = sides.submit(bridge, program, environment)
                    first, second = sides.submit(by_hand, program, plan, environment).result()
                    run = bridging.result()
                bridged = run if bridged is None or run.cpu < bridged.cpu else bridged
                if export is None or (first + second).cpu < (export + checkov).cpu:
                    export, checkov = first, second
            manual = export + checkov
            print(f"{size:>9} {bridged.wall:>10.1f}s {bridged.cpu:>9.1f}s {export.cpu:>9.1f}s {checkov.cpu:>10.1f}s "
                  f"{manual.wall:>11.1f}s {manual.cpu:>10.1f}s {bridged.cpu / manual.cpu:>8.2f}x "
                  f"{bridged.wall / manual.wall:>9.2f}x", flush=True)


if __name__ == "__main__":
    main()
