"""Signed attestations of gate decisions: in-toto Statement v1 in DSSE envelopes, Ed25519 keys, and
a hash-chained evidence log."""
