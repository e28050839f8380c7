"""The oci-residency policy pack: `pulumi preview --policy-pack policies/oci-residency`.

The rules and their levels come from the residency policy: `residency.yaml` beside this file when
the pack is published on its own, else the repository's `policies/residency.yaml`."""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

from residency.errors import EXIT_INPUT, InputError
from residency.policy import load_policy
from residency.policypack import PACK_NAME, build_policies, pack_settings
from residency.policypack.sent import keep_secret_marks

HERE = Path(__file__).resolve().parent
CANDIDATES = (HERE / "residency.yaml", HERE.parent / "residency.yaml")

try:
    # The first that is there decides: a directory or a dangling symlink there is an error, not a reason to go on.
    policy = load_policy(next((p for p in CANDIDATES if p.exists() or p.is_symlink()), CANDIDATES[-1]))
except InputError as error:
    print(f"oci-residency: {error}", file=sys.stderr)
    sys.exit(EXIT_INPUT)

keep_secret_marks()  # the requests are read before pulumi-policy unwraps their secrets
PolicyPack(
    name=PACK_NAME,
    policies=build_policies(policy),
    enforcement_level=EnforcementLevel.MANDATORY,
    initial_config=pack_settings(policy),
    description="Keeps protected data, its copies, keys and routes inside the allowed OCI regions "
    f"(policy {policy.source}, sha256 {policy.sha256}).",
    display_name="OCI data residency",
    provider="oci",
    tags=["residency", "oci"],
)
