"""Quoted strings are read as Terraform reads them: their escapes (`\\"`, `\\\\`, `\\n`, `\\u0041`) decoded,
outside their expressions; a heredoc keeps its backslashes. The HCL parser hands both on as written,
so a matching rule or a policy statement written with `\\"` would not parse."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO

from residency.engine import evaluate
from residency.policy import load_policy
from residency.sources.terraform_files import parse_hcl
from residency.sources.terraform_hcl import load_directory

POLICY = load_policy(REPO / "policies" / "residency.yaml")


def test_quoted_strings_are_decoded_and_heredocs_and_expressions_are_not():
    text = (
        'locals {\n'
        '  plain   = "a \\"b\\" c\\\\d \\u0041"\n'
        '  listed  = ["p \\"q\\"", "r"]\n'
        '  mixed   = "v ${var.x} \\"s\\""\n'
        '  call    = "${replace(var.x, "\\\\", "/")}"\n'
        '  escaped = "$${x} \\"y\\""\n'
        '  here    = <<EOT\n'
        'a \\"doc\\"\n'
        'EOT\n'
        '}\n'
    )
    (values,) = parse_hcl(text, "main.tf")["locals"]
    assert values["plain"] == ['a "b" c\\d A']
    assert values["listed"] == [['p "q"', "r"]]
    assert values["mixed"] == ['v ${var.x} "s"']
    assert values["call"] == ['${replace(var.x, "\\\\", "/")}']  # the expression reader decodes its own strings
    assert values["escaped"] == ['$${x} "y"']
    assert values["here"] == ['a \\"doc\\"']


def test_a_matching_rule_and_a_statement_written_with_escaped_quotes_are_read(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'provider "oci" {\n  region = "us-ashburn-1"\n}\n\n'
        'resource "oci_identity_dynamic_group" "agents" {\n'
        '  compartment_id = "ocid1.tenancy.oc1..aaaa"\n  name = "agents"\n  description = "agents"\n'
        '  matching_rule  = "Any {instance.compartment.id = \\"ocid1.compartment.oc1..apps\\"}"\n}\n\n'
        'resource "oci_identity_policy" "agents" {\n'
        '  compartment_id = "ocid1.tenancy.oc1..aaaa"\n  name = "agents"\n  description = "agents"\n'
        '  statements = ["Allow dynamic-group agents to read buckets in compartment apps where target.bucket.name = \\"logs\\""]\n'
        '}\n')
    inventory = load_directory(tmp_path)
    rule = inventory.get("oci_identity_dynamic_group.agents").properties["matching_rule"]
    assert rule == 'Any {instance.compartment.id = "ocid1.compartment.oc1..apps"}'
    unreadable = [f for f in evaluate(inventory, POLICY).findings if "not a matching rule" in f.message
                  or "not an OCI policy statement" in f.message]
    assert unreadable == []
