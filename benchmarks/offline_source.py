"""Time and peak memory of the two halves of `residency check`, from 100 to 10,000 resources.

1. The offline source: a generated Pulumi program runs in its own processes against the gate's
   monitor (a preview and an update run, side by side), compared with a bare run of the same program
   under Pulumi's unit-test mocks (`set_mocks` + `@pulumi.runtime.test`), whose cost grows quadratically.
2. The rule engine: all rules over a generated inventory of the same size.

Each measurement runs in a fresh process, so its peak RSS is its own. Usage:

    python benchmarks/offline_source.py [--sizes 100,1000,5000,10000] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

PROGRAM = '''\
import pulumi
import pulumi_oci as oci

COUNT = {count}
TAGS = {{"DataGovernance.Classification": "restricted"}}


class Tier(pulumi.ComponentResource):
    """Five resources per tier: bucket, replication, volume, key reference, log group."""

    def __init__(self, name, opts=None):
        super().__init__("bench:index:Tier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = oci.objectstorage.Bucket(f"{{name}}-bucket", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns",
                                          name=name, defined_tags=TAGS, kms_key_id="ocid1.key.oc1.iad.aaaa.bbbb", opts=child)
        oci.objectstorage.ReplicationPolicy(f"{{name}}-replication", bucket=bucket.name, namespace="ns", name=name,
                                            destination_bucket_name=f"{{name}}-dr", destination_region_name="us-phoenix-1",
                                            opts=child)
        oci.core.Volume(f"{{name}}-volume", compartment_id="ocid1.compartment.oc1..aaaa",
                        availability_domain="Uocm:US-ASHBURN-AD-1", defined_tags=TAGS,
                        block_volume_replicas=[{{"availability_domain": "Uocm:PHX-AD-1"}}], opts=child)
        oci.core.VolumeBackupPolicy(f"{{name}}-backups", compartment_id="ocid1.compartment.oc1..aaaa",
                                    destination_region="us-phoenix-1", opts=child)
        oci.logging.LogGroup(f"{{name}}-logs", compartment_id="ocid1.compartment.oc1..aaaa", display_name=name, opts=child)


primary = oci.Provider("primary", region="us-ashburn-1")
for index in range(COUNT // 6):
    Tier(f"tier{{index}}", opts=pulumi.ResourceOptions(providers={{"oci": primary}}))
'''

PROGRAM_RUN = '''
import json, resource, sys, time
from pathlib import Path
from residency.sources.pulumi_program import run_program
started = time.perf_counter()
inventory = run_program(Path(sys.argv[1]), "bench")
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"resources": len(inventory), "seconds": time.perf_counter() - started, "peak_mb": peak / 1024}))
'''

# The same program under Pulumi's own unit-test mocks, in one process, as a bare baseline.
MOCK_RUN = '''
import json, resource, runpy, sys, time
import pulumi

class Echo(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return [None, args.inputs]

    def call(self, args):
        return {}

pulumi.runtime.set_mocks(Echo(), project="bench", stack="bench", preview=True)
started = time.perf_counter()
registered = []

@pulumi.runtime.test
def run():
    runpy.run_path(sys.argv[1] + "/__main__.py", run_name="__main__")

run()
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

ENGINE_RUN = '''
import json, resource, sys, time
from residency.engine import evaluate
from residency.inventory import Inventory, RegionResolution, RegionSource, Resource, SourceInfo
from residency.oci import lookup_region
from residency.policy import load_policy

count = int(sys.argv[1])
ashburn = RegionResolution(RegionSource.EXPLICIT_PROVIDER, lookup_region("us-ashburn-1"), "us-ashburn-1", "urn:p")
frankfurt = RegionResolution(RegionSource.EXPLICIT_PROVIDER, lookup_region("eu-frankfurt-1"), "eu-frankfurt-1", "urn:f")
shapes = [
    ("oci:ObjectStorage/bucket:Bucket", {"compartmentId": "ocid1.compartment.oc1..aaaa", "name": "b", "namespace": "ns",
     "kmsKeyId": "ocid1.key.oc1.iad.aaaa.bbbb", "definedTags": {"DataGovernance.Classification": "restricted"}}),
    ("oci:ObjectStorage/replicationPolicy:ReplicationPolicy", {"bucket": "b", "destinationRegionName": "eu-frankfurt-1"}),
    ("oci:Core/volume:Volume", {"availabilityDomain": "Uocm:US-ASHBURN-AD-1", "blockVolumeReplicas": [{"availabilityDomain": "Uocm:PHX-AD-1"}]}),
    ("oci:Core/volumeBackupPolicy:VolumeBackupPolicy", {"destinationRegion": "us-phoenix-1"}),
    ("oci:Logging/logGroup:LogGroup", {"displayName": "logs"}),
    ("oci:Identity/group:Group", {"name": "g", "description": "g"}),
]
resources = []
for index in range(count):
    token, properties = shapes[index % len(shapes)]
    resources.append(Resource(
        urn=f"urn:pulumi:bench::bench::{token}::r{index}", name=f"r{index}", token=token, terraform_type=None,
        custom=True, properties=properties, naming="pulumi", region=frankfurt if index % 10 == 0 else ashburn,
    ))
inventory = Inventory(SourceInfo("bench", "."), resources)
policy = load_policy(None)
started = time.perf_counter()
report = evaluate(inventory, policy)
print(json.dumps({"resources": count, "findings": len(report.findings), "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def measure(script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,2500,5000,10000", help="resource counts, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-mocks", action="store_true", help="skip the bare mock run (slow past 5,000 resources)")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    rows = []
    print(f"{'resources':>9}  {'program s':>9}  {'program MB':>10}  {'s/1k':>6}  {'mocks s':>8}  {'mocks MB':>8}  "
          f"{'engine s':>8}  {'engine MB':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            program = Path(scratch) / f"program-{size}"
            program.mkdir()
            (program / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
            (program / "Pulumi.bench.yaml").write_text("config:\n  oci:region: us-ashburn-1\n")
            (program / "__main__.py").write_text(textwrap.dedent(PROGRAM.format(count=size)))
            run = measure(PROGRAM_RUN, str(program))
            mocks = measure(MOCK_RUN, str(program)) if not options.no_mocks else {"seconds": 0.0, "peak_mb": 0.0}
            engine = measure(ENGINE_RUN, str(size))
            rows.append({"size": size, "program": run, "mocks": mocks, "engine": engine})
            per_thousand = run["seconds"] / run["resources"] * 1000
            print(f"{run['resources']:>9}  {run['seconds']:>9.2f}  {run['peak_mb']:>10.0f}  {per_thousand:>6.2f}  "
                  f"{mocks['seconds']:>8.2f}  {mocks['peak_mb']:>8.0f}  {engine['seconds']:>8.3f}  {engine['peak_mb']:>9.0f}",
                  flush=True)
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
