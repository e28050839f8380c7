"""Which policy decides: `--policy`, else policies/residency.yaml found from the target up to the
repository root, as git finds `.git`; the built-in one only with a warning, and under CI only when
asked for. Every output names the file and its sha256."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from residency.cli import main
from residency.errors import InputError
from residency.policy import find_policy

# Phoenix is allowed by the built-in policy, not by the repository's: the verdict shows which decided.
POLICY = """\
version: 1
regions:
  allowed: [us-ashburn-1]
  home: us-ashburn-1
classification:
  tag_namespace: DataGovernance
  tag_key: Classification
  levels: [public, restricted]
  protected: [restricted]
"""
TERRAFORM = """\
provider "oci" {
  region = "us-phoenix-1"
}

resource "oci_objectstorage_bucket" "data" {
  compartment_id = "ocid1.compartment.oc1..aaaa"
  name           = "data"
  namespace      = "ns"
  defined_tags   = { "DataGovernance.Classification" = "restricted" }
}
"""


@pytest.fixture
def repository(write) -> Path:
    """A repository with its policy at the root and Terraform two levels down."""
    root = write({"policies/residency.yaml": POLICY, "infra/prod/main.tf": TERRAFORM})
    (root / ".git").mkdir()
    return root


def check(target: Path, *arguments: str, cwd: Path, ci: bool = False):
    environment = {"CI": "true" if ci else ""}
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["check", str(target), "--format", "json", *arguments], env=environment)
    finally:
        os.chdir(previous)


def test_the_nearest_policy_up_to_the_repository_root_decides(repository, tmp_path):
    assert find_policy(repository / "infra" / "prod").resolve() == (repository / "policies" / "residency.yaml").resolve()
    assert find_policy(repository / "infra" / "prod" / "main.tf").resolve() == (repository / "policies" / "residency.yaml")
    nested = repository / "infra" / "prod" / "policies"
    nested.mkdir()
    (nested / "residency.yaml").write_text(POLICY)
    assert find_policy(repository / "infra" / "prod").resolve() == (nested / "residency.yaml").resolve()


def test_discovery_stops_at_the_repository_root(repository):
    inner = repository / "vendored"
    (inner / ".git").mkdir(parents=True)
    assert find_policy(inner) is None  # the outer repository's policy is not this one's


@pytest.mark.parametrize("make", ["directory", "dangling symlink"])
def test_a_policy_path_that_is_no_readable_file_is_an_error_not_a_fallback(repository, make):
    policy = repository / "policies" / "residency.yaml"
    policy.unlink()
    if make == "directory":
        policy.mkdir()
    else:
        policy.symlink_to(repository / "nowhere.yaml")
    with pytest.raises(InputError, match="not a policy file"):
        find_policy(repository / "infra" / "prod")
    result = check(repository / "infra" / "prod", cwd=repository)
    assert result.exit_code == 2 and "not a policy file" in result.output


def test_run_from_a_subdirectory_the_repository_policy_decides_and_is_named(repository):
    result = check(Path("prod"), cwd=repository / "infra")
    assert result.exit_code == 1, result.output
    policy = json.loads(result.stdout)["policy"]
    digest = hashlib.sha256((repository / "policies" / "residency.yaml").read_bytes()).hexdigest()
    assert Path(policy["source"]) == repository / "policies" / "residency.yaml"  # absolute: it is not below here
    assert policy["sha256"] == digest
    text = check(Path("prod"), "--format", "text", cwd=repository / "infra")
    assert f"policy sha256: {digest}" in text.stdout


def test_without_a_policy_the_builtin_one_is_used_with_a_warning_and_under_ci_only_when_asked(repository):
    (repository / "policies" / "residency.yaml").unlink()
    target = repository / "infra" / "prod"
    warned = check(target, cwd=repository)
    assert warned.exit_code == 0 and "warning: no policies/residency.yaml found" in warned.stderr
    assert json.loads(warned.stdout)["policy"]["source"] == "built-in default"
    refused = check(target, cwd=repository, ci=True)
    assert refused.exit_code == 2 and "pass --policy FILE or --policy builtin" in refused.stderr
    asked = check(target, "--policy", "builtin", cwd=repository, ci=True)
    assert asked.exit_code == 0 and "warning" not in asked.stderr


def test_an_explicit_policy_wins(repository, write):
    other = repository / "elsewhere.yaml"
    other.write_text(POLICY.replace("allowed: [us-ashburn-1]", "allowed: [us-ashburn-1, us-phoenix-1]"))
    assert check(repository / "infra" / "prod", "--policy", str(other), cwd=repository).exit_code == 0
