"""Checkpoints: the exact bytes signed, the key's encodings, and signatures that fail when one byte changes."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from services.audit import signing
from services.audit.signing import BadCheckpoint, Checkpoint
from shared.settings import Settings

# RFC 8032 §7.1 test 1: the seed and the public key it gives.
RFC_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
CHECKPOINT = Checkpoint("sw-audit/XX", 5, bytes(range(32)), bytes([0xAB]) * 32, "2026-11-29T10:00:00Z")


def rfc_key():
    return signing.private_key(base64.b64encode(bytes.fromhex(RFC_SEED)).decode(), "unused")


def test_the_signed_form_is_five_lines_exactly() -> None:
    assert CHECKPOINT.signed_form() == (
        b"sw-audit/XX\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n" + b"ab" * 32 + b"\n2026-11-29T10:00:00Z\n")


def test_the_key_comes_from_its_base64_seed_and_is_published_raw_and_as_pem() -> None:
    public = rfc_key().public_key()
    assert signing.raw_public(public).hex() == RFC_PUBLIC
    assert signing.load_public_pem(signing.public_pem(public).encode()) == public
    assert signing.key_id(public) == __import__("hashlib").sha256(bytes.fromhex(RFC_PUBLIC)).hexdigest()[:16]


def test_a_signature_holds_and_fails_when_any_signed_field_or_the_signature_changes() -> None:
    key = rfc_key()
    signed = signing.sign(CHECKPOINT, key)
    public = key.public_key()
    assert signing.signature_problem(signed, public) == ""
    for changed in (replace(signed, tree_size=6), replace(signed, root_hash=bytes(32)),
                    replace(signed, chain_hash=bytes(32)), replace(signed, time="2026-11-29T10:00:01Z"),
                    replace(signed, origin="sw-audit/YY"),
                    replace(signed, signature=bytes([signed.signature[0] ^ 1]) + signed.signature[1:])):
        assert "altered" in signing.signature_problem(changed, public)
    other = signing.private_key("", "another secret").public_key()
    assert "not by the published key" in signing.signature_problem(signed, other)


def test_the_json_form_round_trips_and_names_a_bad_field() -> None:
    signed = signing.sign(CHECKPOINT, rfc_key())
    assert Checkpoint.from_json(json.loads(json.dumps(signed.to_json()))) == signed
    with pytest.raises(BadCheckpoint, match="root_hash"):
        Checkpoint.from_json({**signed.to_json(), "root_hash": "AB" * 32})
    with pytest.raises(BadCheckpoint, match="time"):
        Checkpoint.from_json({**signed.to_json(), "time": "2026-11-29 10:00"})
    with pytest.raises(BadCheckpoint, match="origin"):
        Checkpoint.from_json({**signed.to_json(), "origin": "two words"})


def test_without_a_configured_key_dev_and_test_derive_one_from_the_secret_and_prod_audit_refuses_to_start() -> None:
    assert signing.raw_public(signing.private_key("", "s1").public_key()) == \
        signing.raw_public(signing.private_key("", "s1").public_key())
    with pytest.raises(ValueError, match="32 bytes"):
        signing.private_key(base64.b64encode(b"short").decode(), "s1")
    unkeyed = Settings(environment="prod", jwt_secret="x" * 40, cipher_key=base64.b64encode(bytes(32)).decode(),
                       identity_key="i" * 32)  # stations, workforce and casework never hold the signing key
    with pytest.raises(ValueError, match="SW_AUDIT_SIGNING_KEY"):
        signing.configured_key(unkeyed)
    keyed = unkeyed.model_copy(update={"audit_signing_key": base64.b64encode(bytes(32)).decode()})
    assert signing.raw_public(signing.configured_key(keyed).public_key()) == \
        signing.raw_public(signing.private_key(keyed.audit_signing_key, "").public_key())
