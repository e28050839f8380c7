"""The evidence log: one JSON line per gate decision, appended, never rewritten.

Each entry carries its position (`seq`), the sha256 of the line before it (`prev`, a hash chain),
the digest of the decision's attestation and a signature over the rest of the entry. A removed
entry leaves a gap in `seq`, a moved one breaks its order, an edited one breaks the next entry's
`prev` (and its own signature). Entries cut from the end leave no trace in the log itself: the
attestations, kept apart, are the record of those."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from securesystemslib.exceptions import UnverifiedSignatureError
from securesystemslib.signer import Key, Signature, Signer

from residency.attest.statement import canonical_json
from residency.errors import InputError
from residency.inputs import read_bytes

GENESIS = "0" * 64  # the `prev` of the first entry


def _lines(path: Path) -> list[bytes]:
    if not path.exists():
        return []
    return [line for line in read_bytes(path, str(path)).split(b"\n") if line]


def line_digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def append_entry(path: Path, decision: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """Append one decision, chained to the last line of the log (created when missing)."""
    lines = _lines(path)
    seq, prev = 1, GENESIS
    if lines:
        try:
            last = json.loads(lines[-1])
            seq = int(last["seq"]) + 1
        except (ValueError, KeyError, TypeError):
            raise InputError(
                f"line {len(lines)} is not an evidence entry: refusing to chain onto it", file=str(path)
            ) from None
        prev = line_digest(lines[-1])
    entry = {"seq": seq, "prev": prev, **decision}
    signature = signer.sign(canonical_json(entry))
    entry["signature"] = {"keyid": signature.keyid, "sig": signature.signature}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = path.is_file() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        with path.open("ab") as log:
            log.write((b"\n" if needs_newline else b"") + canonical_json(entry) + b"\n")
    except OSError as error:
        raise InputError(f"cannot append to the evidence log: {error.strerror or error}", file=str(path)) from None
    return entry


def _signature_holds(entry: dict[str, Any], key: Key) -> bool:
    signed = {k: v for k, v in entry.items() if k != "signature"}
    recorded = entry.get("signature")
    if not isinstance(recorded, dict) or not isinstance(recorded.get("sig"), str):
        return False
    try:
        key.verify_signature(Signature(key.keyid, recorded["sig"]), canonical_json(signed))
    except (UnverifiedSignatureError, ValueError):
        return False
    return True


def check_log(path: Path, key: Key | None = None) -> list[str]:
    """What is wrong with the log, each problem by the position (line) of the entry it concerns;
    empty when every entry is in place. With `key`, each entry's own signature is checked too,
    which also catches an edit of the last entry."""
    if not path.is_file():
        raise InputError("no such evidence log", file=str(path))
    lines = _lines(path)
    entries = [_entry(line) for line in lines]
    present = {entry["seq"] for entry in entries if entry is not None}
    problems: list[str] = []
    expected_seq = 1
    for index, entry in enumerate(entries):
        position = index + 1
        if entry is None:
            problems.append(f"entry at line {position} was altered: it is no longer an evidence entry")
            expected_seq += 1
            continue
        seq = entry["seq"]
        prev = GENESIS if index == 0 else line_digest(lines[index - 1])
        absent, first, last = _absent(expected_seq, seq, present)
        if seq < expected_seq or absent < seq - expected_seq:
            problems.append(f"entry at line {position} (seq {seq}) is out of order: reordered, expected seq {expected_seq}")
        if absent:
            missing = f"seq {first}" if absent == 1 else f"seq {first} to {last}"
            problems.append(f"entries removed before line {position}: {missing} missing")
        if seq == expected_seq and entry.get("prev") != prev:
            altered = "the start of the log" if index == 0 else f"entry at line {position - 1}"
            problems.append(f"{altered} was altered: line {position} records another hash for it")
        if key is not None and not _signature_holds(entry, key):
            problems.append(f"entry at line {position} was altered: its signature does not verify with the given key")
        expected_seq = max(expected_seq, seq + 1)
    return problems


def _absent(start: int, stop: int, present: set[int]) -> tuple[int, int, int]:
    """How many of the numbers start..stop-1 are not in `present`, the first and the last of them.
    Counted from the entries, never number by number: an edited seq may be any integer."""
    if stop <= start:
        return 0, start, start
    inside = sum(1 for s in present if start <= s < stop)
    first, last = start, stop - 1
    while first in present:  # at most `inside` steps each
        first += 1
    while last in present:
        last -= 1
    return stop - start - inside, first, last


def _entry(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int) or isinstance(entry["seq"], bool):
        return None
    return entry
