"""Bounded reading: files that are not regular files, oversized or deeply nested documents, alias
bombs and unconvertible values are input errors (exit 2) that name the file, never a hang or a
traceback; and anything unexpected exits 3, never 1."""

import importlib
import os
import subprocess
import sys
import tracemalloc

import pytest
from click.testing import CliRunner

from residency import inputs
from residency.cli import main
from residency.errors import EXIT_INPUT, EXIT_INTERNAL, InputError
from residency.inputs import parse_json, read_text
from residency.yamlfile import load_yaml


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "main.tf"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"not a regular file \(a FIFO\)") as raised:
        read_text(fifo, "main.tf")
    assert raised.value.file == "main.tf"


def test_a_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "main.tf"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"not a regular file \(a device\)"):
        read_text(link, "main.tf")


def test_a_directory_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(InputError, match=r"not a regular file \(a directory\)"):
        read_text(tmp_path, "dir")
    with pytest.raises(InputError, match="file not found"):
        read_text(tmp_path / "absent.yaml", "absent.yaml")


def test_a_file_over_the_limit_is_refused(tmp_path):
    big = tmp_path / "plan.json"
    big.write_text("x" * 101)
    with pytest.raises(InputError, match="the file has 101 bytes; the limit is 100"):
        read_text(big, "plan.json", limit=100)


def test_a_file_is_read_by_its_size_not_by_the_limit(tmp_path):
    """Asking for the limit itself sizes the buffer for the limit, whatever the file holds."""
    small = tmp_path / "plan.json"
    small.write_text("{}" * 500)
    tracemalloc.start()
    try:
        assert inputs.read_bytes(small, "plan.json", limit=64 * 1024 * 1024) == b"{}" * 500
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def _measured_as(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files measured at `size` bytes: as a file that grows once measured is."""
    measure = os.fstat
    monkeypatch.setattr(inputs.os, "fstat", lambda descriptor: os.stat_result(
        (*measure(descriptor)[:6], size, *measure(descriptor)[7:])))


def test_a_file_that_grows_once_measured_is_read_whole_within_the_limit(tmp_path, monkeypatch):
    grown = tmp_path / "plan.json"
    grown.write_text("x" * 100)
    _measured_as(10, monkeypatch)
    assert inputs.read_bytes(grown, "plan.json", limit=100) == b"x" * 100
    with pytest.raises(InputError, match="the file has more than 99 bytes"):
        inputs.read_bytes(grown, "plan.json", limit=99)


def test_text_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(InputError, match="not UTF-8 text: byte 3"):
        read_text(path, "a.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 5000 + "]" * 5000, "nested more than 200 levels deep"),
        ('{"count": ' + "9" * 5000 + "}", "Exceeds the limit (4300 digits)"),
        ('{"a": 1,}', "not JSON: Expecting property name"),
    ],
    ids=["deep", "huge-integer", "malformed"],
)
def test_bad_json_is_an_input_error(text, message):
    with pytest.raises(InputError) as raised:
        parse_json(text, file="plan.json")
    assert message in str(raised.value) and raised.value.file == "plan.json"


def test_json_nested_within_the_bound_is_read():
    depth = inputs.MAX_NESTING - 10
    assert parse_json("[" * depth + "]" * depth, file="plan.json") == parse_json(
        "[" * depth + "]" * depth, file="again.json"
    )


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_alias_bomb(), "expands to more than 1000000 values through its aliases"),
        ("a: " + "[" * 300 + "]" * 300 + "\n", "nested more than 64 levels deep"),
        ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n", "nested more than 64 levels deep"),
        ("waivers:\n  - expires: 2027-13-45\n", "invalid YAML value: month must be in 1..12"),
        ("count: " + "9" * 5000 + "\n", "Exceeds the limit (4300 digits)"),
        ("a: [1, 2\n", "invalid YAML"),
    ],
    ids=["alias-bomb", "deep-flow", "deep-block", "invalid-date", "huge-integer", "malformed"],
)
def test_bad_yaml_is_an_input_error(tmp_path, text, message):
    path = tmp_path / "residency.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        load_yaml(path)
    assert message in str(raised.value) and raised.value.file == str(path)


def test_shared_yaml_nodes_within_bounds_are_read(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("base: &base {region: us-ashburn-1}\ndr: *base\n")
    assert load_yaml(path)["dr"]["region"] == "us-ashburn-1"


def test_an_unexpected_error_exits_3_and_says_it_is_a_bug(monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(importlib.import_module("residency.cli.report"), "read_document", broken)
    result = CliRunner().invoke(main, ["report", "-", "--format", "json"], input="{}")
    assert result.exit_code == EXIT_INTERNAL
    assert "internal error: KeyError" in result.output and "This is a bug in residency" in result.output


def test_an_input_error_that_escapes_its_command_exits_2(monkeypatch):
    def refuses(*_args, **_kwargs):
        raise InputError("expected something else", file="x.json")

    monkeypatch.setattr(importlib.import_module("residency.cli.report"), "read_document", refuses)
    result = CliRunner().invoke(main, ["report", "-", "--format", "json"], input="{}")
    assert result.exit_code == EXIT_INPUT
    assert "x.json: expected something else" in result.output


def test_the_installed_command_maps_a_fifo_to_exit_2(tmp_path):
    fifo = tmp_path / "findings.json"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "residency", "report", str(fifo), "--format", "json"],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == EXIT_INPUT, done.stderr
    assert "not a regular file (a FIFO)" in done.stderr
