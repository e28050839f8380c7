"""The plan decoder that builds only the fields the reader reads: it gives the reader what the
standard parser gives, less what the reader never reads, and refuses what the standard parser
refuses, even in the fields it skips."""

import json
import sys
from pathlib import Path

import pytest

from residency.errors import InputError
from residency.inputs import MAX_NESTING, json_object_members
from residency.sources.files import TELLING_KEYS
from residency.sources.terraform_plan_fields import (
    NO_REFERENCES,
    ChangeIndex,
    PlanBytes,
    plan_document,
    plan_members,
    references_in,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from terraform_speed import plan_document as generated_plan

FIXTURE = Path(__file__).parent / "fixtures" / "checkov" / "resource_region" / "plan" / "plan.json"


def _with_a_change_only(document: dict) -> dict:
    """A create that planned_values leaves out (read from its `after`), and a `before` to skip."""
    late = {"address": "oci_objectstorage_bucket.late", "mode": "managed", "type": "oci_objectstorage_bucket",
            "name": "late", "change": {"actions": ["create"], "before": None, "after": {"name": "late", "tags": [1]},
                                        "after_unknown": {"kms_key_id": True}}}
    changes = [{**change, "change": {**change["change"], "before": {"name": "old"}}}
               for change in document.get("resource_changes", [])]
    return {**document, "resource_changes": [*changes, late]}


def _planned(module: dict) -> set[str]:
    return {r["address"] for r in module.get("resources", [])} | {
        a for child in module.get("child_modules", []) for a in _planned(child)}


def _as_read(planned_values: dict) -> dict:
    """planned_values less what the reader never reads: of a resource its schema version, provider
    and sensitive_values."""
    def module(read: dict) -> dict:
        kept = {k: v for k, v in read.items() if k in ("address", "resources", "child_modules")}
        if "resources" in kept:
            kept["resources"] = [{k: v for k, v in r.items() if k in ("address", "mode", "type", "name", "values")}
                                 for r in kept["resources"]]
        if "child_modules" in kept:
            kept["child_modules"] = [module(child) for child in kept["child_modules"]]
        return kept

    return {"root_module": module(planned_values["root_module"])}


def _config_resources(module: dict) -> list[dict]:
    found = list(module.get("resources", []))
    for call in module.get("module_calls", {}).values():
        found += _config_resources(call.get("module", {}))
    return found


@pytest.mark.parametrize("document", [
    _with_a_change_only(json.loads(FIXTURE.read_text())),
    _with_a_change_only(generated_plan(30)),
], ids=["checkov-fixture", "generated"])
@pytest.mark.parametrize("members_read", [None, "unbuilt", "built"], ids=["bytes", "members-read-first", "built-first"])
def test_the_reader_gets_what_the_standard_parser_gives_less_what_it_never_reads(document, members_read):
    data = json.dumps(document).encode()
    # `residency check FILE` reads the members to tell the format (built where the file is of a
    # plan's shape), and hands them over with the bytes
    handed = PlanBytes(data, json_object_members(data)) if members_read == "unbuilt" else \
        PlanBytes(data, plan=plan_members(data, TELLING_KEYS)) if members_read == "built" else PlanBytes(data)
    decoded = plan_document(handed, "plan.json")
    assert decoded["planned_values"] == _as_read(document["planned_values"])
    assert decoded["terraform_version"] == document["terraform_version"]
    assert decoded.get("variables") == document.get("variables")
    planned = _planned(document["planned_values"]["root_module"])
    # indexed by address as they are decoded (ChangeIndex), in the order of the plan
    assert type(decoded["resource_changes"]) is ChangeIndex
    assert list(decoded["resource_changes"]) == [change["address"] for change in document["resource_changes"]]
    for read, written in zip(decoded["resource_changes"].values(), document["resource_changes"], strict=True):
        assert {k: v for k, v in read.items() if k != "change"} == {
            k: v for k, v in written.items() if k in ("address", "mode", "type", "name", "module_address")}
        expected = {k: v for k, v in written["change"].items() if k in ("actions", "after", "after_unknown", "after_sensitive")}
        if written["address"] in planned:  # read from planned_values: its `after` is never read
            expected.pop("after", None)
        assert read["change"] == expected
    configuration = decoded.get("configuration", {})
    assert configuration.get("provider_config") == document.get("configuration", {}).get("provider_config")
    cut = _config_resources(configuration.get("root_module", {}))
    whole = _config_resources(document.get("configuration", {}).get("root_module", {}))
    assert len(cut) == len(whole) > 0
    for read, written in zip(cut, whole, strict=True):
        assert {k: v for k, v in read.items() if k != "expressions"} == {
            k: v for k, v in written.items() if k in ("mode", "type", "name", "provider_config_key")}
        assert read["expressions"].keys() == written["expressions"].keys()
        for attribute, expression in written["expressions"].items():
            references = references_in(expression)
            assert read["expressions"][attribute] == ({"references": references} if references else NO_REFERENCES)


def _plan_with_before(before: bytes) -> bytes:
    return (b'{"terraform_version": "1.9.8", "planned_values": {"root_module": {}}, "resource_changes": ['
            b'{"address": "a.b", "change": {"actions": ["update"], "before": ' + before + b"}}]}")


@pytest.mark.parametrize(("before", "message"), [
    (b'"\xff"', "not valid JSON"),
    (b"[" * (MAX_NESTING + 100) + b"]" * (MAX_NESTING + 100), f"nested more than {MAX_NESTING} levels deep"),
    (b'"\\q"', "not valid JSON"),
], ids=["not-utf8", "too-deep", "bad-escape"])
def test_a_field_the_reader_skips_is_still_checked(before, message):
    with pytest.raises(InputError) as raised:
        plan_document(PlanBytes(_plan_with_before(before)), "plan.json")
    assert message in str(raised.value) and raised.value.file == "plan.json"


def test_a_plan_of_another_shape_is_parsed_whole_for_the_reader_to_name_the_place():
    document = {"terraform_version": "1.9.8", "planned_values": {}, "resource_changes": [{"address": 3}]}
    assert plan_document(PlanBytes(json.dumps(document).encode()), "plan.json") == document


def test_a_member_given_twice_is_the_last_as_the_standard_parser_reads_it():
    # the first not of its shape: one pass fails where the members read one by one are of a plan's shape
    text = (b'{"terraform_version": "1.9.8", "planned_values": {"root_module": {}}, "resource_changes": 5, '
            b'"resource_changes": []}')
    assert plan_members(text) is None
    decoded = plan_document(PlanBytes(text), "plan.json")
    assert decoded.pop("resource_changes") == {}  # the last, indexed
    assert decoded == {key: value for key, value in json.loads(text).items() if key != "resource_changes"}


@pytest.mark.parametrize("unusual", [{"address": 3, "change": {}}, {"address": "a.b", "change": {"actions": "create"}},
                                     {"address": "a.b", "change": {"actions": ["create", 1]}}, {"address": "a.b"}],
                         ids=["address", "actions", "an-action", "no-body"])
def test_changes_not_as_terraform_writes_them_are_left_to_the_reader_to_index(unusual):
    document = generated_plan(3)
    document["resource_changes"].insert(1, unusual)
    decoded = plan_document(PlanBytes(json.dumps(document).encode()), "plan.json")
    assert type(decoded["resource_changes"]) is list  # for the reader's checks to name the change by its place


def test_the_index_of_changes_holds_the_planned_addresses_no_change_lists():
    document = generated_plan(6)
    unchanged = document["resource_changes"].pop(4)["address"]
    decoded = plan_document(PlanBytes(json.dumps(document).encode()), "plan.json")
    assert decoded["resource_changes"].unchanged == {unchanged}


def test_a_change_listed_twice_is_indexed_as_the_reader_indexes_it():
    document = generated_plan(3)
    first, *_ = document["resource_changes"]
    document["resource_changes"].append({**first, "change": {**first["change"], "actions": ["update"]}})
    decoded = plan_document(PlanBytes(json.dumps(document).encode()), "plan.json")
    assert list(decoded["resource_changes"]) == [c["address"] for c in document["resource_changes"][:3]]
    assert decoded["resource_changes"][first["address"]]["change"]["actions"] == ["update"]  # the last listing


def test_planned_values_with_a_number_msgspec_cannot_build_are_read_as_the_standard_parser_reads_them():
    text = (b'{"terraform_version": "1.9.8", "resource_changes": [], "planned_values": {"root_module": {"resources": '
            b'[{"address": "oci_core_volume.v", "type": "oci_core_volume", "values": {"size_in_gbs": 1e400}}]}}}')
    assert plan_document(PlanBytes(text), "plan.json")["planned_values"] == json.loads(text)["planned_values"]


def test_a_plans_bytes_are_handed_over_once():
    handed = PlanBytes(b'{"terraform_version": "1.9.8", "planned_values": {}}')
    plan_document(handed, "plan.json")
    assert handed.data is None and handed.members is None and handed.plan is None  # nothing the reader freed is kept here
    with pytest.raises(ValueError, match="read once"):
        plan_document(handed, "plan.json")
