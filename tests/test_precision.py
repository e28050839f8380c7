"""The precision figures in README.md are what the kept data says: the hand-labelled sample of
findings on Oracle's examples, and the corpus of real IAM statements."""

import re
from functools import cache

from conftest import FIXTURES, REPO
from ruamel.yaml import YAML

SAMPLE = FIXTURES / "precision" / "oracle_examples_sample.yaml"
CORPUS = FIXTURES / "iam" / "corpus.yaml"


@cache
def readme() -> str:
    return " ".join((REPO / "README.md").read_text().split())


def test_the_sample_is_large_enough_and_every_finding_has_a_verdict_and_a_reason():
    sample = YAML(typ="safe").load(SAMPLE.read_text())
    assert len(sample["findings"]) >= 50
    for entry in sample["findings"]:
        assert entry["verdict"] in ("right", "wrong") and entry["reason"].strip()
        assert re.fullmatch(r"RES\d{3}", entry["rule"])


def test_the_readme_states_the_sample_s_share_of_right_findings():
    findings = YAML(typ="safe").load(SAMPLE.read_text())["findings"]
    right = sum(entry["verdict"] == "right" for entry in findings)
    share = round(100 * right / len(findings))
    assert f"{right} of {len(findings)} right ({share}%)" in readme()


def test_the_readme_states_the_share_of_right_findings_weighted_by_rule():
    """Each rule's share of right findings in the sample, weighted by its share of all findings."""
    sample = YAML(typ="safe").load(SAMPLE.read_text())
    assert sum(population for population, _ in sample["strata"].values()) == sample["population"]
    weighted = 0.0
    for rule, (population, drawn) in sample["strata"].items():
        entries = [e for e in sample["findings"] if e["rule"] == rule]
        assert len(entries) == drawn
        weighted += population * sum(e["verdict"] == "right" for e in entries) / drawn
    assert f"{100 * weighted / sample['population']:.2f}% of the findings are right" in readme()


def test_the_readme_states_the_corpus_parse_figures():
    statements = YAML(typ="safe").load(CORPUS.read_text())["statements"]
    rejected = sum(entry.get("parses") is False for entry in statements)
    partial = sum("parts" in entry for entry in statements)
    text = readme()
    assert f"{len(statements):,} distinct IAM statements" in text
    assert f"{partial} of them with parts known only after apply" in text
    assert f"{len(statements) - rejected:,} parse; the {rejected} that do not are all outside Oracle's syntax" in text
