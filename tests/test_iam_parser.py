"""The parser of OCI's policy languages: documented statements give their expected parse,
malformed ones a clear error (line, column, what was expected), and no text makes it crash."""

import random
import re

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from iam_data import as_data
from ruamel.yaml import YAML

from residency.iam import Define, Grant, ParseError, parse_group, parse_matching_rule, parse_quota, parse_statement

CORPUS = FIXTURES / "iam"
PARSERS = {"statement": parse_statement, "quota": parse_quota, "matching_rule": parse_matching_rule}


def load(name: str) -> list[dict]:
    return YAML(typ="safe").load((CORPUS / name).read_text())


DOCUMENTED = [("statement", e) for e in load("statements.yaml")] + [("quota", e) for e in load("quotas.yaml")] + [
    ("matching_rule", e) for e in load("matching_rules.yaml")
]
MALFORMED = load("malformed.yaml")


@pytest.mark.parametrize("language, entry", DOCUMENTED, ids=[e["text"][:60] for _, e in DOCUMENTED])
def test_documented_text_gives_its_expected_parse(language, entry):
    assert as_data(PARSERS[language](entry["text"])) == entry["parse"]


@pytest.mark.parametrize("entry", MALFORMED, ids=[e["text"][:60] for e in MALFORMED])
def test_malformed_text_names_the_place_and_what_was_expected(entry):
    with pytest.raises(ParseError) as caught:
        PARSERS[entry["language"]](entry["text"])
    error = caught.value
    assert (error.line, error.column) == (entry["line"], entry["column"])
    assert entry["message"] in error.message
    assert error.text == entry["text"]
    assert str(error).startswith(f"line {entry['line']}, column" if entry["line"] > 1 else f"column {entry['column']}")


def test_keywords_are_whole_words_and_names_keep_their_case():
    grant = parse_statement("allow GROUP groups to MANAGE Groups-X in COMPARTMENT Tenancy-Data")
    assert isinstance(grant, Grant)
    assert (grant.subjects[0].name, grant.verb, grant.resource, grant.location.path) == (
        "groups", "manage", "groups-x", ("Tenancy-Data",),
    )


def test_a_define_gives_an_alias_for_an_ocid():
    assert parse_statement("DEFINE Tenancy Acme AS ocid1.tenancy.oc1..aaaa") == Define("tenancy", "Acme", "ocid1.tenancy.oc1..aaaa")


def test_tenancy_qualified_group_names_its_tenancy():
    (subject,) = parse_statement("Allow group Acme:Auditors to read buckets in tenancy").subjects
    assert (subject.tenancy, subject.name) == ("Acme", "Auditors")
    assert parse_statement("Allow group Acme:Auditors to read buckets in tenancy").cross_tenancy


@pytest.mark.parametrize("text, expected", [
    ("Administrators", {"kind": "group", "name": "Administrators"}),
    ("Default/Administrators", {"kind": "group", "name": "Administrators", "domain": "Default"}),
    ("'My Domain'/'Data Admins'", {"kind": "group", "name": "Data Admins", "domain": "My Domain"}),
    ("ocid1.group.oc1..aaaa", {"kind": "group", "ocid": "ocid1.group.oc1..aaaa"}),
])
def test_a_group_as_the_residency_policy_names_it(text, expected):
    assert as_data(parse_group(text)) == expected


def test_text_that_is_not_a_string_is_a_parse_error():
    with pytest.raises(ParseError, match="expected text, got int"):
        parse_statement(42)


# ---- fuzzing: never a crash, only a parse or a ParseError that points into the text ---------

def parses_or_fails_cleanly(parse, text: str):
    try:
        return parse(text)
    except ParseError as error:
        lines = text.split("\n") or [""]
        assert 1 <= error.line <= max(len(lines), 1)
        assert 1 <= error.column <= len(lines[error.line - 1]) + 2
        assert error.message and str(error)
        return None


ALPHABET = st.sampled_from(list("abcdeghilmnorstuwy-_.:/'\"{}(),=!<> \n\t*0123456789AGZ"))
WORDS = st.sampled_from([
    "allow", "deny", "endorse", "admit", "define", "group", "dynamic-group", "any-user", "any-group", "service", "id",
    "to", "inspect", "read", "use", "manage", "associate", "with", "in", "tenancy", "any-tenancy", "compartment",
    "where", "all", "any", "{", "}", "(", ")", ",", "=", "!=", "before", "after", "between", "and", "of", "as",
    "request.region", "'phx'", "/a*/", "Admins", "a:b", "D/G", "object-family", "zero", "set", "unset", "quota",
    "quotas", "5", "ocid1.compartment.oc1..aaaa",
])


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=80), language=st.sampled_from(sorted(PARSERS)))
def test_random_text_never_crashes_the_parser(text, language):
    parses_or_fails_cleanly(PARSERS[language], text)


@settings(max_examples=400, deadline=None)
@given(words=st.lists(WORDS, max_size=20), language=st.sampled_from(sorted(PARSERS)))
def test_random_keyword_soup_never_crashes_the_parser(words, language):
    parses_or_fails_cleanly(PARSERS[language], " ".join(words))


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(DOCUMENTED) - 1), seed=st.integers(0, 2**32), edits=st.integers(1, 4))
def test_mutated_documented_text_never_crashes_the_parser(index, seed, edits):
    language, entry = DOCUMENTED[index]
    text, chance = list(entry["text"]), random.Random(seed)
    for _ in range(edits):
        position = chance.randrange(len(text) + 1)
        operation = chance.choice(["insert", "delete", "replace"])
        character = chance.choice("ax- '{},=/:\n")
        if operation == "insert":
            text.insert(position, character)
        elif text and position < len(text):
            text[position:position + 1] = [] if operation == "delete" else [character]
    parses_or_fails_cleanly(PARSERS[language], "".join(text))


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, len(DOCUMENTED) - 1), seed=st.integers(0, 2**32))
def test_letter_case_and_spacing_do_not_change_the_meaning(index, seed):
    """OCI reads keywords without case and ignores spare spaces and line breaks."""
    language, entry = DOCUMENTED[index]
    chance = random.Random(seed)
    parts = re.split(r"('[^']*')", entry["text"])  # quoted values keep their spaces
    changed = []
    for part in parts:
        if part.startswith("'"):
            changed.append(part)
            continue
        part = "".join(c.upper() if chance.random() < 0.5 else c.lower() for c in part)
        changed.append(re.sub(r" +", lambda _: chance.choice([" ", "  ", "\n", "\t ", " \n  "]), part))
    expected = str(entry["parse"]).casefold()
    assert str(as_data(PARSERS[language]("".join(changed)))).casefold() == expected
