"""The residency policy file: schema, loader and model."""

from residency.policy.loader import DEFAULT_POLICY_PATH, load_policy
from residency.policy.model import Classification, ResidencyPolicy, RuleSetting, Waiver

__all__ = ["DEFAULT_POLICY_PATH", "Classification", "ResidencyPolicy", "RuleSetting", "Waiver", "load_policy"]
