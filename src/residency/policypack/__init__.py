"""The Pulumi policy pack: the engine's rules as pulumi-policy policies.

`policies/oci-residency/__main__.py` constructs the pack from `build_policies`; the policies live
here, importable, because constructing a PolicyPack starts its gRPC server and blocks."""

from residency.policypack.policies import PACK_NAME, build_policies, pack_settings

__all__ = ["PACK_NAME", "build_policies", "pack_settings"]
