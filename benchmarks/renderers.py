"""Time of every report renderer over findings documents of growing size: each must stay linear
in findings (JUnit once took 8 s for 4,000 findings and did not finish 20,000; the Markdown
comment is cut to GitHub's limit, so it stays bounded).

The documents repeat the findings of tests/fixtures/reports/documents/violations.json, each on a
resource of its own, with control characters and markup in the names. Usage:

    python benchmarks/renderers.py [--sizes 1000,4000,20000] [--json results.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

from residency.render.formats import RENDERERS

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "reports" / "documents" / "violations.json"


def document(size: int) -> dict:
    sample = json.loads(SAMPLE.read_text())
    findings = []
    for index in range(size):
        finding = copy.deepcopy(sample["findings"][index % len(sample["findings"])])
        finding["resource"] = {**finding["resource"], "urn": f"{finding['resource']['urn']}-{index}",
                               "name": f"r{index}\x1b[31m[/]"}
        finding["fingerprint"] = f"{index:016x}"
        findings.append(finding)
    return {**sample, "findings": findings}


def measure(sizes: list[int]) -> list[dict]:
    rows = []
    for size in sizes:
        subject = document(size)
        for name, render in RENDERERS.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            text = render(subject)
            rows.append({"findings": size, "format": name, "seconds": round(time.perf_counter() - start, 2),
                         "cpu_seconds": round(time.process_time() - start_cpu, 2), "characters": len(text)})
            print(f"{name:6} {size:>7,} findings {rows[-1]['seconds']:>7.2f} s ({rows[-1]['cpu_seconds']:.2f} s CPU)",
                  flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,20000")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    rows = measure([int(size) for size in arguments.sizes.split(",")])
    if arguments.json:
        arguments.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
