"""One conversion, shared by every rule, of attribute values to the type the provider schema
declares, as Terraform converts them (`prohibit_public_ip_on_vnic = "true"` is a bool)."""

import pytest

from residency.inventory import UNKNOWN, FieldValue, Secret, as_declared, declared_field


@pytest.mark.parametrize("value, declared, converted", [
    ("true", "bool", True),
    ("false", "bool", False),
    ("1", "bool", True),
    ("0", "bool", False),
    (True, "bool", True),
    ("yes", "bool", "yes"),  # Terraform rejects it; the rule sees it as written
    ("3", "number", 3),
    ("-2.5", "number", -2.5),
    ("1e3", "number", 1000.0),
    ("three", "number", "three"),
    (7, "string", "7"),
    (False, "string", "false"),
    (UNKNOWN, "bool", UNKNOWN),
    (None, "bool", None),
    (Secret("true"), "bool", Secret(True)),
])
def test_values_convert_as_terraform_converts_them(value, declared, converted):
    assert as_declared(value, declared) == converted


def test_a_field_keeps_its_path_and_secrecy():
    assert declared_field(FieldValue("a.b", "false", secret=True), "bool") == FieldValue("a.b", False, True)
    assert declared_field(None, "bool") is None
