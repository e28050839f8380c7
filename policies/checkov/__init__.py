"""Residency checks for Checkov: `checkov --external-checks-dir policies/checkov`.

One module per residency rule; each registers the rule's checks (CKV_RES_<number>) from
residency.checkov.checks, which asks the engine. Checkov loads only directories with this file.
"""
