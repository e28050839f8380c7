"""DSSE envelopes around in-toto Statements, with securesystemslib's Envelope and in-toto's own
Statement model: the format is theirs, not ours."""

from __future__ import annotations

import copy
import json
from typing import Any

from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import FormatError, VerificationError
from securesystemslib.signer import Key, Signer

from residency.attest.statement import PREDICATE_TYPE, canonical_json

PAYLOAD_TYPE = "application/vnd.in-toto+json"


class MalformedAttestation(ValueError):
    """The file is not a DSSE envelope around an in-toto Statement of a gate decision."""


class SignatureMismatch(Exception):
    """The envelope is well formed, but the given key did not sign it (or not this payload)."""


def validate_statement(statement: dict[str, Any]) -> None:
    """in-toto's own validation: Statement v1 type, subjects with digests, a predicate."""
    try:
        message = json_format.ParseDict(statement, statement_pb2.Statement())
        Statement.copy_from_pb(message).validate()
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise MalformedAttestation(f"not an in-toto Statement v1: {error}") from None


def sign_statement(statement: dict[str, Any], signer: Signer) -> dict[str, Any]:
    validate_statement(statement)
    envelope = Envelope(canonical_json(statement), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    return envelope.to_dict()


def open_envelope(data: Any, key: Key) -> dict[str, Any]:
    """The verified statement. The signature is checked before anything in the payload is read."""
    try:
        envelope = Envelope.from_dict(copy.deepcopy(data))
    except (KeyError, TypeError, ValueError, AttributeError, FormatError) as error:
        raise MalformedAttestation(f"not a DSSE envelope ({type(error).__name__}: {error})") from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise MalformedAttestation(f"payloadType is {envelope.payload_type!r}; expected {PAYLOAD_TYPE!r}")
    if not envelope.signatures:
        raise MalformedAttestation("the envelope has no signature")
    try:
        envelope.verify([key], 1)
    except VerificationError:
        raise SignatureMismatch(
            "the signature does not verify with the given key: signed by another key, or the payload was changed"
        ) from None
    try:
        statement = json.loads(envelope.payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedAttestation(f"the payload is not JSON: {error}") from None
    validate_statement(statement)
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise MalformedAttestation(f"predicateType is {statement.get('predicateType')!r}; expected {PREDICATE_TYPE!r}")
    return statement
