"""Residency checks for Checkov: `checkov --external-checks-dir policies/checkov`.

residency_checks.py registers the checks (CKV_RES_<number>) of every residency rule, from
residency.checkov.checks, which asks the engine. Checkov loads only directories with this file.
"""
