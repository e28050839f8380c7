"""The residency rules as Checkov checks, and what they ask the engine. Imported by the check
modules in policies/checkov, inside the Checkov environment."""
