"""`residency check` over every directory of Oracle's terraform-provider-oci `examples/`.

Fetch the provider's repository yourself (it is never committed here), then:

    git clone --depth 1 https://github.com/oracle/terraform-provider-oci /some/where/oci
    python benchmarks/oracle_examples.py /some/where/oci/examples [--timeout 60] [--json out.json]

Each directory holding .tf or .tf.json files is checked as a root module, as `residency check DIR`
would check it (the repository's policy, the exit status the command would give: 0 pass, 1
failing findings, 2 bad input), in this process with a per-directory time limit. Prints the
number of directories, exit statuses, crashes (any exception but the documented input error),
timeouts, findings by rule and proven/unproven, directories that pass with no resource read, and
seconds per directory.

The precision sample (tests/fixtures/precision/oracle_examples_sample.yaml) is drawn here:

    python benchmarks/oracle_examples.py EXAMPLES --commit SHA --sample OUT.yaml [--labels OLD.yaml]

draws a sample stratified by rule (in each rule, the findings ranked by a hash of the seed and the
finding, so a finding keeps its rank when others come or go): each rule gets `--floor` findings
(all, when it has fewer), the rest of `--sample-size` goes to the rules in proportion to their
number of findings. Verdicts and reasons of `--labels` carry over to the same finding (directory,
rule, resource, path, proven); the others are left `verdict: null`, to be checked by hand against
the example's source. The sample is written to a new file, never over the labels.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import statistics
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from residency.enforcement import Level
from residency.engine import evaluate
from residency.errors import InputError
from residency.policy import load_policy
from residency.sources.terraform_hcl import load_directory


class TimedOut(Exception):
    pass


def _alarm(signum, frame):
    raise TimedOut


def directories(examples: Path) -> list[Path]:
    found = {p.parent for pattern in ("*.tf", "*.tf.json") for p in examples.rglob(pattern)}
    return sorted(d for d in found if ".terraform" not in d.parts)


def check(directory: Path, policy, timeout: int) -> dict:
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        inventory = load_directory(directory)
        report = evaluate(inventory, policy)
        findings = [f for f in report.findings if not f.waived]
        status = 1 if report.failing(Level.MANDATORY) else 0
        result = {"status": status, "resources": len(inventory),
                  "findings": [{"rule": f.rule.id, "resource": f.resource.name, "path": f.path, "proven": f.proven,
                                "message": f.message} for f in findings]}
    except InputError as error:
        result = {"status": 2, "error": str(error).splitlines()[0]}
    except TimedOut:
        result = {"status": "timeout"}
    except Exception as error:  # noqa: BLE001 - a crash: what the gate must never do
        result = {"status": "crash", "error": f"{type(error).__name__}: {error}",
                  "where": traceback.format_exc().strip().splitlines()[-3:]}
    finally:
        signal.alarm(0)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def draw(results: dict[str, dict], size: int, seed: int, floor: int) -> tuple[list[dict], dict[str, tuple[int, int]]]:
    """A sample stratified by rule, and per rule (population, sampled)."""
    strata: dict[str, list[dict]] = {}
    for directory, result in sorted(results.items()):
        for finding in result.get("findings", ()):
            strata.setdefault(finding["rule"], []).append({"dir": directory, **finding})
    for findings in strata.values():
        findings.sort(key=lambda f: (f["dir"], f["resource"], f["path"] or "", f["message"]))
    counts = {rule: min(floor, len(findings)) for rule, findings in strata.items()}
    left = size - sum(counts.values())
    total = sum(len(f) for f in strata.values())
    shares = {rule: left * len(findings) / total for rule, findings in strata.items()}
    whole = {rule: int(share) for rule, share in shares.items()}
    extra = left - sum(whole.values())  # to the largest remainders
    for index, rule in enumerate(sorted(strata, key=lambda r: (whole[r] - shares[r], r))):
        counts[rule] += whole[rule] + (1 if index < extra else 0)
    sample = []
    for rule in sorted(strata):
        counts[rule] = min(counts[rule], len(strata[rule]))
        sample.extend(sorted(strata[rule], key=lambda f: _rank(seed, f))[:counts[rule]])
    return sample, {rule: (len(strata[rule]), counts[rule]) for rule in sorted(strata)}


def _rank(seed: int, finding: dict) -> str:
    """A finding's place in its stratum's random order: a hash of the seed and what identifies it,
    so a finding keeps its place when others come or go, and a sample drawn again after a fix keeps
    the findings (and labels) that are still given."""
    key = f"{seed}|{finding['dir']}|{finding['rule']}|{finding['resource']}|{finding['path']}"
    return hashlib.sha256(key.encode()).hexdigest()


def _quoted(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def write_sample(path: Path, sample: list[dict], strata: dict[str, tuple[int, int]], commit: str, seed: int,
                 labels: dict[tuple, dict]) -> None:
    population = sum(p for p, _ in strata.values())
    lines = [
        "# Findings of `residency check` (policies/residency.yaml) on the examples of oracle/terraform-provider-oci",
        f"# at commit {commit}, drawn by benchmarks/oracle_examples.py --sample (stratified by rule, seed {seed}),",
        "# each checked by hand against the example's source. `right`: the finding is correct under the",
        "# project's standards (fail closed on what cannot be known); `wrong`: it is not, or cannot matter.",
        "# The README's precision figures are computed from this file: the share of right findings in the",
        "# sample, and the same weighted by each rule's share of all findings (`strata`: population, sampled).",
        f"commit: {commit}",
        f"seed: {seed}",
        f"population: {population}",
        "strata:",
        *(f"  {rule}: [{p}, {n}]" for rule, (p, n) in strata.items()),
        "findings:",
    ]
    for f in sample:
        label = labels.get((f["dir"], f["rule"], f["resource"], f["path"], f["proven"]), {})
        lines.append(
            f"  - {{dir: {_quoted(f['dir'])}, rule: {f['rule']}, resource: {_quoted(f['resource'])}, "
            f"path: {_quoted(f['path'])}, proven: {str(f['proven']).lower()}, verdict: {label.get('verdict') or 'null'}, "
            f"reason: {_quoted(label.get('reason'))}}}")
    path.write_text("\n".join(lines) + "\n")


def read_labels(path: Path | None) -> dict[tuple, dict]:
    if path is None:
        return {}
    from ruamel.yaml import YAML

    document = YAML(typ="safe").load(path.read_text())
    return {(f["dir"], f["rule"], f["resource"], f["path"], f["proven"]): f for f in document["findings"] if f.get("verdict")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", type=Path)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sample", type=Path, help="write a sample of findings to label by hand")
    parser.add_argument("--labels", type=Path, help="an earlier sample whose verdicts carry over")
    parser.add_argument("--commit", default="unknown", help="the provider repository's commit the examples are from")
    parser.add_argument("--sample-size", type=int, default=90)
    parser.add_argument("--floor", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    if arguments.sample and (arguments.sample.exists() and arguments.labels and arguments.sample.samefile(arguments.labels)):
        parser.error("--sample would overwrite --labels: write the new sample to another file")
    policy = load_policy(REPO / "policies" / "residency.yaml")
    signal.signal(signal.SIGALRM, _alarm)
    results = {}
    for directory in directories(arguments.examples):
        results[str(directory.relative_to(arguments.examples))] = check(directory, policy, arguments.timeout)
    statuses = Counter(str(r["status"]) for r in results.values())
    by_rule = Counter((f["rule"], "proven" if f["proven"] else "unproven")
                      for r in results.values() for f in r.get("findings", ()))
    seconds = [r["seconds"] for r in results.values()]
    silent = [d for d, r in results.items() if r["status"] == 0 and r.get("resources") == 0]
    print(f"directories: {len(results)}")
    print("exit statuses: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))
    print(f"crashes: {statuses.get('crash', 0)}, timeouts: {statuses.get('timeout', 0)}")
    print(f"passing with no resource read: {len(silent)}")
    print(f"resources read: {sum(r.get('resources', 0) for r in results.values())}")
    print("findings by rule (proven / unproven):")
    for rule in sorted({rule for rule, _ in by_rule}):
        print(f"  {rule}: {by_rule[rule, 'proven']} / {by_rule[rule, 'unproven']}")
    if seconds:
        print(f"seconds per directory: mean {statistics.mean(seconds):.3f}, median {statistics.median(seconds):.3f}, "
              f"max {max(seconds):.2f} ({max(results, key=lambda d: results[d]['seconds'])}), total {sum(seconds):.1f}")
    errors = Counter(r["error"].split(": ", 1)[-1][:70] for r in results.values() if r["status"] == 2)
    for message, count in errors.most_common(8):
        print(f"  exit 2 x{count}: {message}")
    for directory, result in results.items():
        if result["status"] in ("crash", "timeout"):
            print(f"  {result['status']}: {directory}: {result.get('error', '')}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=1))
    if arguments.sample:
        sample, strata = draw(results, arguments.sample_size, arguments.seed, arguments.floor)
        write_sample(arguments.sample, sample, strata, arguments.commit, arguments.seed, read_labels(arguments.labels))


if __name__ == "__main__":
    main()
