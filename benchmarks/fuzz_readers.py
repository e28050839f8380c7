"""Fuzz every reader of user input at length: by default 10,000 generated inputs per reader (the
suite runs the same targets, tests/fuzzing.py, with a few dozen). A reader passes when no input
ends in anything but its documented input error. Prints, per reader: inputs, input errors,
accepted inputs, crashes, seconds and the seconds of the slowest input (no input may hang a reader);
exits 1 on any crash, showing the first input of each distinct
crash (told apart by the exception's type and the line that raised it).

    python benchmarks/fuzz_readers.py [--examples 10000] [--only policy,event-log]
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import Target, targets


def fuzz(target: Target, examples: int) -> dict:
    counts = {"inputs": 0, "input_errors": 0, "accepted": 0, "slowest": 0.0}
    crashes: list[tuple[str, str]] = []

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(target.inputs)
    def run(text: str) -> None:
        counts["inputs"] += 1
        began = time.perf_counter()
        try:
            target.run(text)
            counts["accepted"] += 1
        except target.expected:
            counts["input_errors"] += 1
        except Exception:  # noqa: BLE001 - a crash is what this counts
            crashes.append((text, traceback.format_exc(limit=-3)))
        counts["slowest"] = max(counts["slowest"], time.perf_counter() - began)

    started = time.perf_counter()
    run()
    return {**counts, "crashes": crashes, "seconds": time.perf_counter() - started}


def distinct(crashes: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str, str]]:
    """Crashes grouped by exception type and raising line: (count, first input, its traceback)."""
    groups: dict[tuple[str, str], tuple[int, str, str]] = {}
    for text, trace in crashes:
        lines = trace.strip().splitlines()
        places = [line.strip() for line in lines if line.strip().startswith("File ")]
        key = (lines[-1].split(":", 1)[0], places[-1] if places else "")
        count, first, first_trace = groups.get(key, (0, text, trace))
        groups[key] = (count + 1, first, first_trace)
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--only", default="", help="comma-separated reader names")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))
    failed = False
    print(f"{'reader':<22}{'inputs':>8}{'errors':>8}{'accepted':>10}{'crashes':>9}{'seconds':>9}{'slowest':>9}")
    for target in targets():
        if wanted and target.name not in wanted:
            continue
        result = fuzz(target, args.examples)
        print(
            f"{target.name:<22}{result['inputs']:>8}{result['input_errors']:>8}{result['accepted']:>10}"
            f"{len(result['crashes']):>9}{result['seconds']:>9.1f}{result['slowest']:>9.2f}",
            flush=True,
        )
        for (kind, place), (count, text, trace) in distinct(result["crashes"]).items():
            failed = True
            print(f"  {count} crash(es) {kind} at {place}; the first on {text[:300]!r}\n{trace}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
