"""How the Pulumi policy pack names the policies it cuts from a rule: `<rule>` and `<rule>-stack`,
each with `-unproven` when the policy file gives unprovable findings a level of their own. The
pack names its policies with this, and readers of Pulumi's policy events undo it."""

from __future__ import annotations

STACK = "-stack"
UNPROVEN = "-unproven"


def policy_name(rule_name: str, *, stack: bool, unproven: bool) -> str:
    return rule_name + (STACK if stack else "") + (UNPROVEN if unproven else "")


def split_policy_name(name: str) -> tuple[str, bool, bool]:
    """(the rule's part of the name, whether it is a stack policy, whether it reports unprovable findings)."""
    unproven = name.endswith(UNPROVEN)
    name = name.removesuffix(UNPROVEN)
    stack = name.endswith(STACK)
    return name.removesuffix(STACK), stack, unproven
