"""Ed25519 keys in PEM, as `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write
them. Keys are given as paths; their contents never appear in a message."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.signer import CryptoSigner, SSlibKey

from residency.errors import InputError

MAX_KEY_BYTES = 64 * 1024  # a PEM Ed25519 key is about 120 bytes


def _read(path: Path, what: str) -> bytes:
    """The key's bytes. Unlike other inputs, a pipe is welcome (`--signing-key <(...)`): CI hands
    the key over that way, so that it is never a file on disk."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot read the {what}: {error.strerror or error}", file=str(path)) from None
    if len(data) > MAX_KEY_BYTES:
        raise InputError(f"the {what} has more than {MAX_KEY_BYTES} bytes: not a PEM key", file=str(path))
    return data


def load_signer(path: Path) -> CryptoSigner:
    """The signer for a private key file (unencrypted PKCS#8 PEM, Ed25519)."""
    try:
        private_key = load_pem_private_key(_read(path, "signing key"), password=None)
    except (ValueError, TypeError):
        # The library's message could quote the key's bytes: say only what was expected.
        raise InputError(
            "not an unencrypted PEM private key; expected an Ed25519 key as `openssl genpkey -algorithm ed25519` "
            "writes it", file=str(path),
        ) from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise InputError("not an Ed25519 private key; expected `openssl genpkey -algorithm ed25519`", file=str(path))
    return CryptoSigner(private_key, SSlibKey.from_crypto(private_key.public_key()))


def load_public_key(path: Path) -> SSlibKey:
    """The verification key for a public key file (SubjectPublicKeyInfo PEM, Ed25519)."""
    try:
        public_key = load_pem_public_key(_read(path, "public key"))
    except (ValueError, TypeError):
        raise InputError(
            "not a PEM public key; expected an Ed25519 public key as `openssl pkey -pubout` writes it", file=str(path)
        ) from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise InputError("not an Ed25519 public key; expected `openssl pkey -pubout` of an Ed25519 key", file=str(path))
    return SSlibKey.from_crypto(public_key)
