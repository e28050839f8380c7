"""IAM statements from public repositories (tests/fixtures/iam/corpus.yaml, Oracle's landing zones
and provider examples): every statement that Oracle's syntax allows parses, and each that does not
is rejected with a ParseError, for the reason written beside it."""

from dataclasses import replace
from functools import cache

import pytest
from conftest import FIXTURES, REPO
from ruamel.yaml import YAML

from residency.engine import evaluate
from residency.iam import ParseError, parse_statement, parse_statement_template
from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo, Template
from residency.policy import load_policy

CORPUS = FIXTURES / "iam" / "corpus.yaml"


@cache
def corpus() -> list[dict]:
    return YAML(typ="safe").load(CORPUS.read_text())["statements"]


def parses(entry: dict) -> bool:
    try:
        if "text" in entry:
            parse_statement(entry["text"])
        else:
            parse_statement_template(tuple(entry["parts"]))
    except ParseError:
        return False
    return True


def test_the_corpus_is_large_and_from_several_repositories():
    entries = corpus()
    assert len(entries) >= 2000
    assert len({e["repo"] for e in entries}) >= 5
    assert sum("parts" in e for e in entries) >= 300  # statements with parts known only after apply


def test_every_statement_parses_unless_marked_with_the_reason():
    wrong = [(e.get("text") or e["parts"], e.get("why")) for e in corpus() if parses(e) != e.get("parses", True)]
    assert wrong == []
    assert all(e.get("why") for e in corpus() if e.get("parses") is False)


VERDICTS = YAML(typ="safe").load((FIXTURES / "iam" / "corpus_verdicts.yaml").read_text())


def _statement(written):
    if isinstance(written, str):
        return written
    return Template(tuple(UNKNOWN if part is None else part for part in written))


@pytest.mark.parametrize("case", VERDICTS["cases"], ids=[c["name"] for c in VERDICTS["cases"]])
def test_corpus_statements_give_the_documented_verdicts(case):
    policy = replace(load_policy(REPO / "policies" / "residency.yaml"),
                     protected_compartments=frozenset(VERDICTS["policy"]["protected_compartments"]))
    resource = Resource(
        urn="oci_identity_policy.p", name="p", token="oci:Identity/policy:Policy", terraform_type="oci_identity_policy",
        custom=True, naming="terraform",
        properties={"compartment_id": "ocid1.tenancy.oc1..aaaa", "statements": [_statement(s) for s in case["statements"]]},
    )
    report = evaluate(Inventory(SourceInfo("terraform-hcl", "."), [resource]), policy)
    judged = ("RES101", "RES102", "RES103", "RES104")  # what the verdicts document; approvals have their own tests
    assert sorted((f.rule.id, f.path, f.proven) for f in report.findings if f.rule.id in judged) == sorted(
        (e["rule"], e["path"], e["proven"]) for e in case["findings"]), case["why"]
