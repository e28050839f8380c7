"""Assemble a self-contained copy of the oci-residency policy pack, ready for
`pulumi policy publish`: the pack's files, the residency policy beside them, and the engine as a
wheel that requirements.txt installs (a published pack cannot reach `../..`).

Usage: python scripts/build_policy_pack.py [OUTPUT_DIR]   (default: dist/oci-residency)
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policies" / "oci-residency"


def build(output: Path) -> Path:
    if output.exists():
        shutil.rmtree(output)
    (output / "wheels").mkdir(parents=True)
    for name in ("__main__.py", "PulumiPolicy.yaml"):
        shutil.copy(PACK / name, output / name)
    shutil.copy(ROOT / "policies" / "residency.yaml", output / "residency.yaml")
    if (ROOT / "policies" / "approvals").is_dir():  # RES107 reads the approvals beside the policy
        shutil.copytree(ROOT / "policies" / "approvals", output / "approvals")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(output / "wheels"), str(ROOT)],
        check=True,
    )
    (wheel,) = (output / "wheels").glob("residency-*.whl")
    (output / "requirements.txt").write_text(f"./wheels/{wheel.name}[policy-pack]\n")
    return output


if __name__ == "__main__":
    target = build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "oci-residency")
    print(f"policy pack ready in {target}; publish it with: cd {target} && pulumi policy publish <org>")
