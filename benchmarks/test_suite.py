"""What the test suite costs: its wall time, the CPU time of every process it starts (the programs it
runs, the policy packs, Checkov), and the files that take longest.

On a shared machine wall time says little; CPU time divided by the cores is what the suite needs of
an idle machine at best. Every process counts, even one that outlives the worker that started it:
this process becomes the subreaper of all of them. Linux only. Usage (from the repository root):

    python benchmarks/test_suite.py [--files 20] [-- PYTEST ARGUMENTS]

Without arguments it runs the suite as `make test` does.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

PR_SET_CHILD_SUBREAPER = 36
DEFAULT = ["-q", "-n", "auto", "--dist", "loadfile"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20, help="how many of the slowest files to list")
    parser.add_argument("pytest", nargs="*", help="pytest's arguments (after --)")
    options = parser.parse_args()
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cannot become the processes' subreaper")
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        started = time.monotonic()
        status = subprocess.call([sys.executable, "-m", "pytest", *(options.pytest or DEFAULT), f"--junitxml={junit}"])
        wall = time.monotonic() - started
        _reap_the_rest()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime
        print(f"\npytest exit status {status}; wall {wall:.0f} s; CPU {cpu:.0f} s (user {usage.ru_utime:.0f}, "
              f"system {usage.ru_stime:.0f}): {cpu / os.cpu_count():.0f} s on {os.cpu_count()} idle cores at best")
        for seconds, tests, file in _slowest_files(junit, options.files):
            print(f"{seconds:8.1f} s {tests:5d} tests  {file}")


def _reap_the_rest() -> None:
    """Wait for the processes that outlived their parents (they are this process's children now)."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def _slowest_files(junit: Path, count: int) -> list[tuple[float, int, str]]:
    """Per test module (or class): the time of its tests (setup included) and their number."""
    seconds: dict[str, float] = collections.Counter()
    tests: dict[str, int] = collections.Counter()
    for case in ElementTree.parse(junit).iter("testcase"):
        file = case.get("classname", "")
        seconds[file] += float(case.get("time") or 0)
        tests[file] += 1
    return sorted(((s, tests[f], f) for f, s in seconds.items()), reverse=True)[:count]


if __name__ == "__main__":
    main()
