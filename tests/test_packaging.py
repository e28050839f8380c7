"""Packaging: `pulumi install` finds the stack's requirements at the root, the published policy
pack installs without pulumi-oci (which it never imports), and local environments and report
folders stay out of git."""

import subprocess
import sys
import tomllib

from conftest import REPO

PACK = REPO / "policies" / "oci-residency"


def extras() -> dict[str, list[str]]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_the_root_requirements_install_the_stack_with_pulumi_and_pulumi_oci():
    lines = [line for line in (REPO / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["-e .[pulumi]"]
    names = {requirement.partition("==")[0] for requirement in extras()["pulumi"] + extras()["policy-pack"]}
    assert {"pulumi", "pulumi-oci", "pulumi-policy"} <= names


def test_the_policy_pack_installs_lean():
    assert [r.partition("==")[0] for r in extras()["policy-pack"]] == ["pulumi", "pulumi-policy"]
    lines = [line for line in (PACK / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["-e ../..[policy-pack]"]
    assert "[policy-pack]" in (REPO / "scripts" / "build_policy_pack.py").read_text()


def test_the_policy_pack_never_imports_pulumi_oci():
    """Load everything the pack's __main__ imports, with pulumi_oci made unimportable."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pulumi_oci' or name.startswith('pulumi_oci.'):\n"
        "            raise ImportError('pulumi_oci is not installed')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from residency.policy import load_policy\n"
        "from residency.policypack import build_policies, pack_settings\n"
        "policies = build_policies(load_policy(None))\n"
        "assert policies and 'pulumi_oci' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def test_local_environments_and_report_folders_are_ignored():
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "venv/", "policies/oci-residency/venv/", "reports/residency.sarif"],
        capture_output=True, text=True, cwd=REPO, check=False,
    ).stdout.split()
    assert ignored == ["venv/", "policies/oci-residency/venv/", "reports/residency.sarif"]
    kept = subprocess.run(
        ["git", "check-ignore", "--no-index", "tests/fixtures/reports/golden/violations.sarif"], cwd=REPO,
        capture_output=True, check=False,
    )
    assert kept.returncode == 1  # golden reports stay tracked
