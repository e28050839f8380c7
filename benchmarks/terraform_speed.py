"""Time and peak memory of `residency check` on generated Terraform plans and directories.

- Plans (`terraform show -json` shape) of 5,000 to 100,000 resources, half of them in child
  modules, each with its configuration, `resource_changes` and references: the plan source alone,
  the whole check (read + every rule, on as many processes as the command uses) and the command
  itself, in a process of its own (`residency check PLAN --format json`: imports, policy, read,
  rules, the JSON report, the process's end). Goals: 40,000 resources <= 3 s, 100,000 <= 4 s
  and <= 700 MB, linear.
- Directories of .tf files with 1,000 to 10,000 resources (count, for_each, locals, variables,
  modules): the HCL source and the whole check. Goal: 10,000 resources <= 5 s, linear.
- JSON parsers on the largest plan: the standard library, orjson and msgspec where installed,
  for choosing on evidence.

Each measurement runs in a fresh process and reads its own peak RSS from /proc (`VmHWM`): Linux's
`ru_maxrss` carries over the parent's peak across fork and exec, so a child of this script would
report the memory the script used to generate the largest plan; besides wall-clock seconds
it reports CPU seconds (with those of the forks that share the rules' work), which a machine
shared with other work does not inflate. Usage:

    python benchmarks/terraform_speed.py [--plans 5000,40000,100000] [--dirs 1000,10000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TAGS = {"DataGovernance.Classification": "restricted"}
REGIONS = ["us-ashburn-1", "us-phoenix-1"]


def plan_document(count: int) -> dict:
    """A plan: buckets, keys and replication policies, half in modules `m0`..`m9`."""
    root, modules, changes = [], {f"m{i}": [] for i in range(10)}, []
    config_root = {"resources": [], "module_calls": {}}
    for index in range(count):
        kind = ("oci_objectstorage_bucket", "oci_kms_key", "oci_objectstorage_replication_policy")[index % 3]
        module = f"m{index % 10}" if index % 2 else None
        name = f"r{index}"
        address = f"module.{module}.{kind}.{name}" if module else f"{kind}.{name}"
        values = {"compartment_id": "ocid1.compartment.oc1..data", "name": name, "namespace": "ns",
                  "defined_tags": TAGS, "freeform_tags": {"team": "data", "index": str(index)},
                  "metadata": {"k": "v"}, "versioning": "Enabled", "storage_tier": "Standard"}
        if kind == "oci_objectstorage_replication_policy":
            values["destination_region_name"] = REGIONS[index % 2]
        resource = {"address": address, "mode": "managed", "type": kind, "name": name,
                    "provider_name": "registry.terraform.io/oracle/oci", "schema_version": 0, "values": values}
        (modules[module] if module else root).append(resource)
        changes.append({"address": address, "mode": "managed", "type": kind, "name": name,
                        "change": {"actions": ["create"], "before": None, "after": values,
                                   "after_unknown": {"id": True, "kms_key_id": True, "time_created": True},
                                   "after_sensitive": {"metadata": True}}})
        expressions = {key: {"constant_value": value} for key, value in values.items()}
        expressions["kms_key_id"] = {"references": [f"oci_kms_key.r{index - index % 3 + 1}.id",
                                                    f"oci_kms_key.r{index - index % 3 + 1}"]}
        config = {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
                  "provider_config_key": "oci", "expressions": expressions, "schema_version": 0}
        if module:
            call = config_root["module_calls"].setdefault(module, {"source": f"./{module}", "module": {"resources": []}})
            call["module"]["resources"].append(config)
        else:
            config_root["resources"].append(config)
    return {
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {
            "resources": root,
            "child_modules": [{"address": f"module.{m}", "resources": r} for m, r in modules.items()],
        }},
        "resource_changes": changes,
        "configuration": {"provider_config": {"oci": {"name": "oci", "full_name": "registry.terraform.io/oracle/oci",
                                                      "expressions": {"region": {"constant_value": "us-ashburn-1"}}}},
                          "root_module": config_root},
    }


def directory_files(count: int) -> dict[str, str]:
    """A root module of ten files and a child module, `count` resource instances in all."""
    per_file = count // 10
    files = {"variables.tf": 'variable "region" {\n  default = "us-ashburn-1"\n}\n'
                             'variable "regions" {\n  default = ["us-phoenix-1", "us-chicago-1"]\n}\n'
                             'locals {\n  tags = { "DataGovernance.Classification" = "restricted" }\n}\n'
                             'provider "oci" {\n  region = var.region\n}\n',
             "child/main.tf": 'variable "name" {}\nresource "oci_objectstorage_bucket" "b" {\n'
                              '  namespace = "ns"\n  compartment_id = "ocid1.compartment.oc1..data"\n'
                              '  name = var.name\n}\n'}
    for number in range(10):
        blocks = []
        counted = per_file // 2
        blocks.append(
            f'resource "oci_objectstorage_bucket" "counted{number}" {{\n  count = {counted}\n  namespace = "ns"\n'
            f'  compartment_id = "ocid1.compartment.oc1..data"\n  name = format("b-%d-%d", {number}, count.index)\n'
            '  defined_tags = local.tags\n  kms_key_id = oci_kms_key.k0.id\n}\n')
        singles = per_file - counted - 1
        for index in range(singles):
            blocks.append(
                f'resource "oci_objectstorage_replication_policy" "p{number}_{index}" {{\n  namespace = "ns"\n'
                f'  bucket = "b{index}"\n  name = "copy-${{var.region}}-{index}"\n'
                f'  destination_bucket_name = "copy"\n  destination_region_name = var.regions[{index % 2}]\n}}\n')
        blocks.append(f'module "child{number}" {{\n  source = "./child"\n  name = "m{number}"\n}}\n')
        files[f"main{number}.tf"] = "".join(blocks)
    files["keys.tf"] = ('resource "oci_kms_key" "k0" {\n  compartment_id = "ocid1.compartment.oc1..data"\n'
                        '  display_name = "k"\n  management_endpoint = "https://x"\n}\n')
    return files


MEASURE = r'''
import json, resource, sys, time
from pathlib import Path
target, mode = Path(sys.argv[1]), sys.argv[2]


def peak_kb():
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def tree_pss_kb(pid):
    """The proportional set size of a process and its children, in kB (0 once they have ended)."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for member in [str(pid), *children]:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
            total += int(next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")))
    except (OSError, StopIteration):
        pass
    return total


together = None
start, cpu = time.perf_counter(), time.process_time()
if mode in ("plan", "check-plan"):
    from residency.sources.terraform_plan import load_plan
    inventory = load_plan(target)
elif mode in ("hcl", "check-hcl"):
    from residency.sources.terraform_hcl import load_directory
    inventory = load_directory(target)
elif mode in ("command", "command-memory"):
    # the command as users run it, in a process of its own: its end, and the forks that share its
    # rules' work, count (their CPU is in this process's children's; peak: the largest of them).
    # command-memory samples the memory of the command and its forks together (their PSS: a page
    # they share counts once), every 20 ms; reading it slows them, so it is a run of its own.
    import subprocess
    command = subprocess.Popen([sys.executable, "-m", "residency", "check", str(target), "--policy", "builtin",
                                "--format", "json"], stdout=subprocess.DEVNULL)
    together = 0 if mode == "command-memory" else None
    while command.poll() is None:
        if mode == "command-memory":
            together = max(together, tree_pss_kb(command.pid))
        time.sleep(0.02)
    if command.returncode not in (0, 1):
        raise SystemExit(f"residency check exited {command.returncode}")
    inventory = range(int(sys.argv[3]))
else:
    text = target.read_bytes()
    import gc; gc.disable()  # as the plan source reads: the collector paused
    if mode == "json":
        json.loads(text)
    elif mode == "orjson":
        import orjson; orjson.loads(text)
    elif mode == "msgspec":
        import msgspec; msgspec.json.decode(text)
    inventory = []
read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
if mode.startswith("check-"):
    from residency.engine import evaluate, workers_for
    from residency.policy import load_policy
    import gc; gc.freeze()  # as the command does: the inventory is never walked again
    evaluate(inventory, load_policy("builtin"), workers=workers_for(inventory))
children = resource.getrusage(resource.RUSAGE_CHILDREN)
total, total_cpu = time.perf_counter() - start, time.process_time() - cpu + children.ru_utime + children.ru_stime
print(json.dumps({"resources": len(inventory), "read_s": round(read, 2), "total_s": round(total, 2),
                  "read_cpu_s": round(read_cpu, 2), "total_cpu_s": round(total_cpu, 2),
                  "peak_mb": max(peak_kb(), children.ru_maxrss) // 1024,
                  **({"together_peak_mb": together // 1024} if together is not None else {})}))
'''


def measure(target: Path, mode: str, count: int = 0) -> dict | None:
    completed = subprocess.run([sys.executable, "-c", MEASURE, str(target), mode, str(count)], capture_output=True, text=True,
                               env={"PYTHONPATH": str(REPO / "src")}, check=False)
    if completed.returncode != 0:
        last = completed.stderr.strip().splitlines()[-1:] or ["failed"]
        return {"error": last[0]}
    return json.loads(completed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", default="5000,10000,20000,40000,100000")
    parser.add_argument("--dirs", default="1000,5000,10000")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="residency-tf-bench-") as scratch:
        largest = None
        for count in [int(c) for c in arguments.plans.split(",") if c]:
            plan = Path(scratch) / f"plan-{count}.json"
            plan.write_text(json.dumps(plan_document(count)))
            largest = plan
            for mode in ("plan", "check-plan", "command", "command-memory"):
                results.append({"input": f"plan {count}", "mode": mode, **measure(plan, mode, count)})
                print(results[-1], flush=True)
        if largest is not None:
            for mode in ("json", "orjson", "msgspec"):
                results.append({"input": largest.name, "mode": f"parse {mode}", **measure(largest, mode)})
                print(results[-1], flush=True)
        for count in [int(c) for c in arguments.dirs.split(",") if c]:
            directory = Path(scratch) / f"dir-{count}"
            for name, text in directory_files(count).items():
                (directory / name).parent.mkdir(parents=True, exist_ok=True)
                (directory / name).write_text(text)
            for mode in ("hcl", "check-hcl"):
                results.append({"input": f"directory {count}", "mode": mode, **measure(directory, mode)})
                print(results[-1], flush=True)
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
