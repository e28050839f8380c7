"""Where the project and each rule are documented: the links reports, SARIF and Checkov give."""

from __future__ import annotations

# The repository's home page; its README documents every rule (an anchor per rule id).
PROJECT_URL = "https://github.com/residency-gate/residency"
RULES_URL = f"{PROJECT_URL}/blob/main/README.md"


def rule_url(rule_id: str) -> str:
    """The rule's row in the README's rule table (`<a id="res001">`)."""
    return f"{RULES_URL}#{rule_id.lower()}"
