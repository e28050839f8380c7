"""The policy pack, driven over gRPC exactly as `pulumi preview --policy-pack` drives it."""

import shutil
from pathlib import Path

import pytest
from analyzer_harness import PACK_DIR, running_pack
from conftest import PROGRAMS, REPO, fixture_inventory
from google.protobuf import json_format
from ruamel.yaml import YAML

from residency.engine import evaluate
from residency.inventory import UNKNOWN
from residency.policy import load_policy
from residency.rules import RULES as ALL_RULES
from residency.sources.pulumi_project import load_project, load_stack_config

RULES = tuple(r for r in ALL_RULES if not r.meta.reads_deployed_state)  # what the pack runs

RULE_BY_POLICY = {}
for rule in RULES:
    for suffix in ("", "-unproven", "-stack", "-stack-unproven"):
        RULE_BY_POLICY[rule.meta.name + suffix] = rule.meta.id


@pytest.fixture(scope="module")
def analyzer():
    with running_pack() as analyzer:
        yield analyzer


def offline(case: Path, stack: str = "test"):
    """The program's inventory, and the default provider's inputs from its stack config."""
    inventory = fixture_inventory(case, stack)
    config = load_stack_config(load_project(case), stack)
    default_provider = {key: config.get(f"oci:{key}") for key in ("region", "auth") if config.get(f"oci:{key}") is not None}
    return inventory, default_provider


def test_the_pack_is_what_pulumi_expects():
    pulumi_policy = YAML(typ="safe").load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert pulumi_policy["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert pulumi_policy["version"]
    assert (PACK_DIR / "__main__.py").is_file()
    assert "-e ../..[policy-pack]" in (PACK_DIR / "requirements.txt").read_text()  # lean: no pulumi-oci


def test_analyzer_info_lists_every_rule_with_its_metadata(analyzer):
    info = analyzer.info()
    assert info.name == "oci-residency" and info.supportsConfig
    policies = {p.name: p for p in info.policies}
    for rule in RULES:
        resource_policy, stack_policy = policies[rule.meta.name], policies[rule.meta.name + "-stack"]
        assert resource_policy.policy_type == 1 and stack_policy.policy_type == 2  # resource, stack
        assert resource_policy.remediation_steps == rule.meta.remediation
        assert resource_policy.framework.reference == rule.meta.id
        assert resource_policy.url.endswith("#" + rule.meta.id.lower())
        assert resource_policy.severity == {"low": 1, "medium": 2, "high": 3, "critical": 4}[rule.meta.severity.value]
        schema = json_format.MessageToDict(resource_policy.configSchema.properties)
        regions = set(schema["allowedRegions"]["items"]["enum"])
        assert {"us-ashburn-1", "iad", "eu-frankfurt-1", "fra"} <= regions and "us-ashburn-9" not in regions
    # Levels come from policies/residency.yaml: RES004 is advisory there.
    assert info.initialConfig["missing-classification"].enforcementLevel == 0  # ADVISORY
    assert info.initialConfig["resource-region"].enforcementLevel == 1  # MANDATORY
    assert analyzer.plugin_info().version


def test_an_unknown_value_is_a_mandatory_violation_not_an_advisory_skip(analyzer):
    inventory, region = offline(PROGRAMS / "cross_region_movement" / "pass_replication_to_dr_region")
    from analyzer_harness import EngineView

    view = EngineView(inventory, region)
    replication = next(r for r in inventory.resources if r.name == "to-dr")
    replication.properties = {**replication.properties, "destinationRegionName": UNKNOWN}
    diagnostics = analyzer.analyze(view.analyze_request(replication)) + analyzer.analyze_stack(view.stack_resources())
    (diagnostic,) = diagnostics
    assert (diagnostic.policy, diagnostic.level, diagnostic.urn) == ("cross-region-movement-stack", "mandatory", replication.urn)
    assert "known only after apply" in diagnostic.message
    assert "can't run policy" not in diagnostic.message


def test_policy_pack_config_moves_the_boundary_per_stack():
    inventory, region = offline(PROGRAMS / "resource_region" / "fail_frankfurt_provider")
    with running_pack() as analyzer:
        assert [d.policy for d in analyzer.preview(inventory, region)] == ["resource-region"]
        analyzer.configure({"resource-region": ("mandatory", {"allowedRegions": ["us-ashburn-1", "fra"]})})
        assert analyzer.preview(inventory, region) == []
        analyzer.configure({"resource-region": ("advisory", {})})
        assert [(d.policy, d.level) for d in analyzer.preview(inventory, region)] == [("resource-region", "advisory")]


def pack_with_policy(tmp_path: Path, text: str) -> Path:
    pack_dir = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack_dir)
    (pack_dir / "residency.yaml").write_text(text)
    return pack_dir


def test_unprovable_findings_get_their_own_level_when_the_policy_file_says_so(tmp_path):
    text = (REPO / "policies" / "residency.yaml").read_text().replace(
        "cross-region-movement: {level: mandatory, unproven: mandatory}",
        "cross-region-movement: {level: mandatory, unproven: advisory}",
    )
    inventory, region = offline(PROGRAMS / "cross_region_movement" / "fail_destination_unknown")
    with running_pack(pack_with_policy(tmp_path, text)) as analyzer:
        names = {p.name for p in analyzer.info().policies}
        assert {"cross-region-movement-unproven", "cross-region-movement-stack-unproven"} <= names
        assert "resource-region-unproven" not in names  # no split where the levels agree
        (diagnostic,) = analyzer.preview(inventory, region)
    assert (diagnostic.policy, diagnostic.level) == ("cross-region-movement-stack-unproven", "advisory")


def test_a_broken_policy_file_stops_the_pack_with_a_message(tmp_path):
    import subprocess
    import sys

    pack_dir = pack_with_policy(tmp_path, "version: 1\nregions:\n  allowed: [us-ashburn-9]\n  home: iad\n")
    result = subprocess.run(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack_dir)],
        cwd=pack_dir, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "residency.yaml:1: missing required key: 'classification'" in result.stderr
    assert "line 3 (regions.allowed[0]): 'us-ashburn-9' is not an OCI region" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_published_pack_carries_the_policy_and_the_engine(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, str(REPO / "scripts" / "build_policy_pack.py"), str(tmp_path / "pack")], check=True, capture_output=True)
    files = sorted(p.relative_to(tmp_path / "pack").as_posix() for p in (tmp_path / "pack").rglob("*") if p.is_file())
    approvals = sorted(f"approvals/{p.name}" for p in (REPO / "policies" / "approvals").glob("*.yaml"))
    assert approvals and [f for f in files if f.startswith("approvals/")] == approvals  # RES107 reads them beside the policy
    files = [f for f in files if not f.startswith("approvals/")]
    assert files[:3] == ["PulumiPolicy.yaml", "__main__.py", "requirements.txt"] and files[3] == "residency.yaml"
    (wheel,) = files[4:]
    assert wheel.startswith("wheels/residency-0.1.0-") and wheel.endswith(".whl")
    assert (tmp_path / "pack" / "requirements.txt").read_text() == f"./{wheel}[policy-pack]\n"
    assert (tmp_path / "pack" / "residency.yaml").read_text() == (REPO / "policies" / "residency.yaml").read_text()


def test_the_pack_s_violations_render_like_residency_check_s_findings():
    """What the pack reports, as `pulumi preview --event-log` writes it, read back by the policy-event
    reader, gives the findings residency check gives: the same rules, resources and levels."""
    import json as json_module

    from residency.readers.pulumi_events import read_pulumi_events

    case = PROGRAMS / "foreign_reference" / "fail_key_created_in_frankfurt"
    inventory, region = offline(case)
    policy = load_policy(REPO / "policies" / "residency.yaml")
    with running_pack() as analyzer:
        diagnostics = analyzer.preview(inventory, region)
    events = [
        {"sequence": n, "timestamp": 0, "policyEvent": {
            "resourceUrn": d.urn, "message": d.message, "color": "never", "policyName": d.policy,
            "policyPackName": "oci-residency", "policyPackVersion": "0.1.0", "policyPackVersionTag": "0.1.0",
            "enforcementLevel": d.level}}
        for n, d in enumerate(diagnostics)
    ]
    text = "\n".join(json_module.dumps(e) for e in events) + "\n"
    document = read_pulumi_events(text, file="events.jsonl", policy=policy)
    expected = evaluate(inventory, policy).findings
    assert sorted((f["rule_id"], f["resource"]["urn"], f["level"]) for f in document["findings"]) == sorted(
        (f.rule.id, f.resource.urn, f.level.value) for f in expected
    )


def test_a_secret_region_is_unproven_in_the_pack_as_in_residency_check_and_never_shown(analyzer):
    """The engine sends secrets marked; pulumi-policy unwraps them before a policy runs, so the pack
    reads the requests as they arrive (policypack/sent.py) and decides as the gate does."""
    case = PROGRAMS / "resource_region" / "fail_region_from_secret_config"
    inventory, region = offline(case)
    diagnostics = analyzer.preview(inventory, region)
    gate = evaluate(inventory, load_policy(REPO / "policies" / "residency.yaml")).findings
    assert sorted((RULE_BY_POLICY[d.policy], d.urn, d.level) for d in diagnostics) == sorted(
        (f.rule.id, f.resource.urn, f.level.value) for f in gate) != []
    assert all("is a secret, whose value is never shown" in d.message or "destination_region_name" in d.message
               for d in diagnostics)
    assert not any("phoenix" in d.message for d in diagnostics)


def test_the_pack_keeps_a_values_dependencies_on_what_the_engine_never_sends_it(analyzer):
    """The engine sends no resource the program only reads (a StackReference, a `get`), and
    pulumi-policy drops every dependency on one: a key taken from another stack's output or a US
    key would look as if it came from the US key alone. The pack reads the dependencies as sent."""
    case = PROGRAMS / "foreign_reference" / "fail_values_from_another_stack_beside_a_us_key"
    inventory, region = offline(case)
    assert [r.token for r in inventory.read.values()] == ["pulumi:pulumi:StackReference"]  # never sent
    keyed = [d for d in analyzer.preview(inventory, region) if d.urn.endswith("::from-another-stack")]
    assert [(RULE_BY_POLICY[d.policy], d.level) for d in keyed] == [("RES003", "mandatory")]
    assert "may come from any of: platform/keys/prod (an output of another stack), us-key (us-ashburn-1)" in keyed[0].message
