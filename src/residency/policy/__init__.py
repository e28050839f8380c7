"""The residency policy file: schema, loader and model."""

from residency.policy.discovery import BUILTIN, DEFAULT_POLICY_PATH, find_policy
from residency.policy.loader import load_policy
from residency.policy.model import AccessPolicy, Classification, GuardrailsPolicy, ResidencyPolicy, RuleSetting, Waiver

__all__ = [
    "BUILTIN", "DEFAULT_POLICY_PATH", "AccessPolicy", "Classification", "GuardrailsPolicy", "ResidencyPolicy",
    "RuleSetting", "Waiver", "find_policy", "load_policy",
]
