"""The hand-written Terraform reader against tfparse (Terraform's evaluator, through Trivy's parser),
on this project's construct fixtures and on a corpus of real configurations.

tfparse is not a dependency of this project; install it into an environment of its own and name
that interpreter:

    python -m venv ../tfparse-env && ../tfparse-env/bin/pip install tfparse==0.6.22
    python benchmarks/compare_tfparse.py --tfparse-python ../tfparse-env/bin/python \\
        [--corpus /some/where/terraform-provider-oci/examples]

Per reader it prints: directories read, directories refused (a parse or input error), resource
instances found, seconds; and on the fixtures, per case, the instances and the values of the
attributes that decide residency (region, destination) each reader gives.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from residency.errors import InputError
from residency.sources.terraform_hcl import load_directory

DECIDING = ("region", "destination_region", "destination_region_name", "kms_key_id")

TFPARSE = r'''
import json, sys, time, tfparse
for line in sys.stdin:
    directory = line.strip()
    start = time.perf_counter()
    try:
        parsed = tfparse.load_from_path(directory)
        resources = {}
        for kind, blocks in parsed.items():
            if kind.startswith("oci_"):
                for block in blocks:
                    meta = block.get("__tfmeta", {})
                    if str(meta.get("path", "")).startswith("data."):
                        continue
                    resources[meta.get("path", kind)] = {k: block.get(k) for k in DECIDING if k in block}
        providers = [p.get("region") for p in parsed.get("provider", [])]
        result = {"resources": resources, "providers": providers}
    except Exception as error:
        result = {"error": f"{type(error).__name__}: {str(error)[:200]}"}
    result["seconds"] = time.perf_counter() - start
    print(json.dumps({"directory": directory, **result}, default=str), flush=True)
'''.replace("DECIDING", repr(DECIDING))


def ours(directory: Path) -> dict:
    start = time.perf_counter()
    try:
        inventory = load_directory(directory)
        resources = {r.urn: {k: _shown(v) for k, v in r.properties.items() if k in DECIDING}
                     for r in inventory.resources if (r.terraform_type or "").startswith("oci_")}
        regions = {r.region.shown for r in inventory.resources if r.region is not None}
        result = {"resources": resources, "providers": sorted(regions)}
    except InputError as error:
        result = {"error": str(error).splitlines()[0]}
    except Exception as error:  # noqa: BLE001 - a crash is what this comparison counts
        result = {"error": f"crash {type(error).__name__}: {error}"}
    result["seconds"] = time.perf_counter() - start
    return result


def _shown(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def theirs(directories: list[Path], python: str) -> dict[str, dict]:
    completed = subprocess.run([python, "-c", TFPARSE], input="\n".join(map(str, directories)), capture_output=True,
                               text=True, check=False, timeout=3600)
    results = {}
    for line in completed.stdout.splitlines():
        entry = json.loads(line)
        results[entry.pop("directory")] = entry
    return results


def summary(name: str, results: dict[str, dict]) -> str:
    refused = sum(1 for r in results.values() if "error" in r)
    found = sum(len(r.get("resources", {})) for r in results.values())
    seconds = sum(r["seconds"] for r in results.values())
    return f"{name:9} directories {len(results)}, refused {refused}, resource instances {found}, seconds {seconds:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tfparse-python", required=True)
    parser.add_argument("--corpus", type=Path)
    arguments = parser.parse_args()
    fixtures = sorted(p.parent for p in (REPO / "tests" / "fixtures" / "terraform").glob("*/*/expected.yaml"))
    print("== fixtures")
    mine = {str(d): ours(d) for d in fixtures}
    other = theirs(fixtures, arguments.tfparse_python)
    for directory in fixtures:
        a, b = mine[str(directory)], other.get(str(directory), {})
        print(f"-- {directory.relative_to(REPO / 'tests' / 'fixtures' / 'terraform')}")
        print(f"   residency: {a.get('error') or a['providers']} {json.dumps(a.get('resources', {}))[:300]}")
        print(f"   tfparse:   {b.get('error') or b.get('providers')} {json.dumps(b.get('resources', {}))[:300]}")
    print(summary("residency", mine))
    print(summary("tfparse", other))
    if arguments.corpus:
        directories = sorted({p.parent for p in arguments.corpus.rglob("*.tf")})
        print(f"== corpus {arguments.corpus}")
        print(summary("residency", {str(d): ours(d) for d in directories}))
        print(summary("tfparse", theirs(directories, arguments.tfparse_python)))


if __name__ == "__main__":
    main()
