"""RES002 on resources of other providers (dynamic providers, commands, other clouds): one that takes a
protected resource's outputs may copy the data anywhere, so it is an unproven mover, unless the
policy lists its type under `non_moving_types`. Decided alike by `residency check` and the pack.

These programs stay out of tests/fixtures/programs: the Terraform plan export (and so Checkov) carries
OCI resources only, so the Checkov parity sweep cannot see them."""

import shutil
from collections import Counter

import pytest
from analyzer_harness import PACK_DIR, running_pack
from conftest import REPO
from test_policy_pack import RULE_BY_POLICY

from residency.engine import evaluate
from residency.errors import InputError
from residency.policy import load_policy
from residency.sources.pulumi_program import run_program

PROGRAM = """\
import pulumi
import pulumi_oci as oci

bucket = oci.objectstorage.Bucket("data", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name="data",
                                  defined_tags={"DataGovernance.Classification": "restricted"})
# a command that copies the bucket out, and a random suffix keyed on its name: neither is OCI
pulumi.CustomResource("command:local:Command", "copy-out",
                      {"create": bucket.name.apply(lambda name: f"oci os object bulk-download -bn {name} --download-dir /x")})
pulumi.CustomResource("random:index/randomId:RandomId", "suffix", {"keepers": {"bucket": bucket.name}, "byteLength": 4})
pulumi.CustomResource("random:index/randomId:RandomId", "unrelated", {"byteLength": 4})
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    directory = tmp_path_factory.mktemp("movers")
    (directory / "Pulumi.yaml").write_text("name: movers\nruntime: python\n")
    (directory / "Pulumi.test.yaml").write_text("config:\n  oci:region: us-ashburn-1\n")
    (directory / "__main__.py").write_text(PROGRAM)
    policy = (REPO / "policies" / "residency.yaml").read_text() + "non_moving_types:\n  - random:index/randomId:RandomId\n"
    (directory / "policy.yaml").write_text(policy)
    return directory, run_program(directory, "test")


@pytest.mark.parametrize(("policy_name", "expected"), [
    ("default", {("copy-out", "create"), ("suffix", "keepers")}),
    ("listed", {("copy-out", "create")}),
])
def test_a_resource_of_another_provider_that_takes_protected_outputs_is_an_unproven_mover(program, policy_name, expected):
    directory, inventory = program
    policy = load_policy(REPO / "policies" / "residency.yaml" if policy_name == "default" else directory / "policy.yaml")
    findings = [f for f in evaluate(inventory, policy).findings if f.rule.id == "RES002"]
    assert {(f.resource.name, f.path) for f in findings} == expected
    assert all(not f.proven and f.level.value == "mandatory" for f in findings)
    assert "takes create from data, protected data, and its provider is not OCI" in next(
        f.message for f in findings if f.resource.name == "copy-out")


def test_the_pack_reports_the_same_movers(program, tmp_path):
    directory, inventory = program
    pack_dir = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack_dir)
    shutil.copy(directory / "policy.yaml", pack_dir / "residency.yaml")
    report = evaluate(inventory, load_policy(directory / "policy.yaml"))
    expected = Counter((f.rule.id, f.resource.urn, f.level.value) for f in report.findings)
    with running_pack(pack_dir) as analyzer:
        diagnostics = analyzer.preview(inventory, {"region": "us-ashburn-1"})
    assert Counter((RULE_BY_POLICY[d.policy], d.urn, d.level) for d in diagnostics) == expected


def test_non_moving_types_are_type_tokens(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text((REPO / "policies" / "residency.yaml").read_text() + "non_moving_types:\n  - random\n")
    with pytest.raises(InputError) as error:
        load_policy(path)
    assert "non_moving_types" in str(error.value)
