"""The residency policy file: schema, loader and model."""

from residency.policy.loader import DEFAULT_POLICY_PATH, load_policy
from residency.policy.model import AccessPolicy, Classification, GuardrailsPolicy, ResidencyPolicy, RuleSetting, Waiver

__all__ = ["DEFAULT_POLICY_PATH", "AccessPolicy", "Classification", "GuardrailsPolicy", "ResidencyPolicy", "RuleSetting", "Waiver", "load_policy"]
