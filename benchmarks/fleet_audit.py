"""Time and peak memory of `residency audit` over a fleet: from 10 to 1,000 deployed states of
1,000 resources each (`pulumi stack export` documents, every fourth a terraform.tfstate).

Each stack holds buckets, replication policies, volumes with cross-region replicas, backup
policies, log groups and IAM groups, placed by their providers and their OCIDs; one bucket per
stack sits in eu-frankfurt-1, so every stack has a failing finding and the fleet document grows
with the number of stacks. The audit runs in a fresh process; its peak RSS and that of its
largest worker are reported. Usage:

    python benchmarks/fleet_audit.py [--states 10,100,1000] [--resources 1000] [--jobs N] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TAGS = {"DataGovernance.Classification": "restricted"}
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaabench"


def pulumi_resource(prefix: str, index: int, frankfurt: bool) -> dict:
    """One resource of a Pulumi stack: the kind cycles through six shapes."""
    name = f"r{index}"
    shape = index % 6
    region = "eu-frankfurt-1" if frankfurt else "iad"
    if shape == 0:
        token = "oci:ObjectStorage/bucket:Bucket"
        inputs = {"compartmentId": COMPARTMENT, "namespace": "ns", "name": name, "definedTags": TAGS}
        outputs = {**inputs, "bucketId": f"ocid1.bucket.oc1.{region}.{name}", "accessType": "NoPublicAccess"}
        identifier = f"n/ns/b/{name}"
    elif shape == 1:
        token = "oci:ObjectStorage/replicationPolicy:ReplicationPolicy"
        inputs = {"bucket": name, "namespace": "ns", "name": name, "destinationBucketName": f"{name}-dr",
                  "destinationRegionName": "us-phoenix-1"}
        outputs, identifier = inputs, f"n/ns/b/{name}/replicationPolicies/{index}"
    elif shape == 2:
        token = "oci:Core/volume:Volume"
        inputs = {"compartmentId": COMPARTMENT, "availabilityDomain": "Uocm:US-ASHBURN-AD-1", "definedTags": TAGS,
                  "blockVolumeReplicas": [{"availabilityDomain": "Uocm:PHX-AD-1"}]}
        outputs, identifier = inputs, f"ocid1.volume.oc1.iad.{name}"
    elif shape == 3:
        token = "oci:Core/volumeBackupPolicy:VolumeBackupPolicy"
        inputs = {"compartmentId": COMPARTMENT, "destinationRegion": "us-phoenix-1"}
        outputs, identifier = inputs, f"ocid1.volumebackuppolicy.oc1.iad.{name}"
    elif shape == 4:
        token = "oci:Logging/logGroup:LogGroup"
        inputs = {"compartmentId": COMPARTMENT, "displayName": name}
        outputs, identifier = inputs, f"ocid1.loggroup.oc1.iad.{name}"
    else:
        token = "oci:Identity/group:Group"
        inputs = {"compartmentId": "ocid1.tenancy.oc1..aaaa", "name": name, "description": name}
        outputs, identifier = inputs, f"ocid1.group.oc1..{name}"
    return {"urn": f"{prefix}{token}::{name}", "custom": True, "id": identifier, "type": token, "inputs": inputs,
            "outputs": {**outputs, "id": identifier}, "provider": f"{prefix}pulumi:providers:oci::default_5_5_0::p1"}


def pulumi_export(stack: str, count: int) -> dict:
    prefix = f"urn:pulumi:{stack}::bench::"
    provider = {"region": "us-ashburn-1", "version": "5.5.0"}
    resources = [
        {"urn": f"{prefix}pulumi:pulumi:Stack::bench-{stack}", "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": f"{prefix}pulumi:providers:oci::default_5_5_0", "custom": True, "id": "p1",
         "type": "pulumi:providers:oci", "inputs": provider, "outputs": provider},
    ]
    resources += [pulumi_resource(prefix, index, frankfurt=index == 0) for index in range(count)]
    return {"version": 3, "deployment": {"manifest": {"time": "2026-12-01T00:00:00Z", "magic": "", "version": "v3.272.0"},
                                         "resources": resources}}


def terraform_state(count: int) -> dict:
    resources = []
    for index in range(count):
        region = "eu-frankfurt-1" if index == 0 else "iad"
        attributes = {"id": f"n/ns/b/b{index}", "bucket_id": f"ocid1.bucket.oc1.{region}.b{index}", "namespace": "ns",
                      "name": f"b{index}", "compartment_id": COMPARTMENT, "defined_tags": TAGS,
                      "access_type": "NoPublicAccess", "kms_key_id": "ocid1.key.oc1.iad.aaaa"}
        resources.append({"mode": "managed", "type": "oci_objectstorage_bucket", "name": f"b{index}",
                          "provider": 'provider["registry.terraform.io/oracle/oci"]',
                          "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]})
    return {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "bench", "outputs": {},
            "resources": resources}


AUDIT_RUN = '''
import json, resource, sys, time
from pathlib import Path
from residency.audit import combined_document, run_audit, state_files
from residency.enforcement import Level
from residency.findings import policy_document
from residency.policy import load_policy

jobs = int(sys.argv[2]) if len(sys.argv) > 2 else None
started = time.perf_counter()
files = state_files([Path(sys.argv[1])])
audit = run_audit(files, None, Level.MANDATORY, jobs=jobs)
document = combined_document(audit, policy_document(load_policy(None)), Level.MANDATORY, audited=sys.argv[1])
text = json.dumps(document)
print(json.dumps({"states": len(files), "resources": document["summary"]["resources"],
                  "findings": document["summary"]["findings"], "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "document_mb": len(text) / 1e6}))
'''


def generate(folder: Path, states: int, resources: int) -> None:
    folder.mkdir(parents=True)
    for index in range(states):
        if index % 4 == 3:
            path, document = folder / f"stack{index}" / "terraform.tfstate", terraform_state(resources)
            path.parent.mkdir()
        else:
            path, document = folder / f"stack{index}.json", pulumi_export(f"stack{index}", resources)
        path.write_text(json.dumps(document), encoding="utf-8")


def measure(folder: Path, jobs: int | None) -> dict:
    command = [sys.executable, "-c", AUDIT_RUN, str(folder), *([str(jobs)] if jobs else [])]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", default="10,100,1000", help="numbers of states, comma-separated")
    parser.add_argument("--resources", type=int, default=1000, help="resources per state")
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args()
    rows = []
    print(f"{'states':>6}  {'resources':>9}  {'findings':>8}  {'seconds':>8}  {'ms/1k res':>9}  {'audit MB':>8}  "
          f"{'worker MB':>9}  {'generate s':>10}")
    with tempfile.TemporaryDirectory() as scratch:
        for states in (int(s) for s in options.states.split(",")):
            folder = Path(scratch) / f"fleet-{states}"
            started = time.perf_counter()
            generate(folder, states, options.resources)
            generated = time.perf_counter() - started
            run = measure(folder, options.jobs)
            rows.append(run)
            per_thousand = run["seconds"] / run["resources"] * 1e6
            print(f"{run['states']:>6}  {run['resources']:>9}  {run['findings']:>8}  {run['seconds']:>8.1f}  "
                  f"{per_thousand:>9.1f}  {run['peak_mb']:>8.0f}  {run['worker_peak_mb']:>9.0f}  {generated:>10.1f}",
                  flush=True)
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
