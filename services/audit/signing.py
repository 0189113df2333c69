"""Signed checkpoints of the ledger: the exact bytes signed, Ed25519 keys, and the JSON form auditors keep.

Only the standard library and ``cryptography`` are imported, so the offline verifier runs with nothing else.

Signed form (UTF-8, each line ending in one ``\\n``, nothing else)::

    <origin>
    <tree size, decimal>
    <root hash, base64 (RFC 4648 §4, padded)>
    <chain hash, lowercase hex>
    <time, RFC 3339 UTC to the second: YYYY-MM-DDTHH:MM:SSZ>

The signature is Ed25519 (RFC 8032, pure) over those bytes. A key's id is the first 16 hex digits
of SHA-256 of its raw 32-byte public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    from shared.settings import Settings

DEV_KEY_LABEL = b"sw-audit-checkpoint-signing-key\x00"
_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_ORIGIN = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII without spaces: one line, unambiguous


class BadCheckpoint(ValueError):
    """A checkpoint document that is not well formed (a field is named)."""


@dataclass(frozen=True)
class Checkpoint:
    """The ledger's state at one size: the Merkle root and the chain hash of its first ``tree_size`` entries."""

    origin: str
    tree_size: int
    root_hash: bytes
    chain_hash: bytes
    time: str
    key_id: str = ""
    signature: bytes = b""

    def signed_form(self) -> bytes:
        """The exact bytes the signature covers."""
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{self.tree_size}\n{root}\n{self.chain_hash.hex()}\n{self.time}\n".encode()

    def to_json(self) -> dict[str, Any]:
        """The JSON document (hashes hex, signature base64) served, exported and published."""
        return {"origin": self.origin, "tree_size": self.tree_size, "root_hash": self.root_hash.hex(),
                "chain_hash": self.chain_hash.hex(), "time": self.time, "key_id": self.key_id,
                "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_json(cls, document: Any) -> Checkpoint:
        """Reads the JSON document strictly; raises ``BadCheckpoint`` naming the first bad field."""
        if not isinstance(document, dict):
            raise BadCheckpoint("a checkpoint is a JSON object")
        origin = _field(document, "origin", str)
        if not _ORIGIN.match(origin):
            raise BadCheckpoint("origin: printable ASCII without spaces, 1 to 200 characters")
        size = _field(document, "tree_size", int)
        if isinstance(size, bool) or size < 1:
            raise BadCheckpoint("tree_size: a positive integer")
        time = _field(document, "time", str)
        if not _TIME.match(time):
            raise BadCheckpoint("time: YYYY-MM-DDTHH:MM:SSZ")
        return cls(origin, size, _hex32(document, "root_hash"), _hex32(document, "chain_hash"), time,
                   _field(document, "key_id", str), _b64(document, "signature"))


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind):
        raise BadCheckpoint(f"{name}: missing or not a {kind.__name__}")
    return value


def _hex32(document: dict[str, Any], name: str) -> bytes:
    text = _field(document, name, str)
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise BadCheckpoint(f"{name}: 64 lowercase hex digits")
    return bytes.fromhex(text)


def _b64(document: dict[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(_field(document, name, str), validate=True)
    except binascii.Error as exc:
        raise BadCheckpoint(f"{name}: not base64 ({exc})") from None


def now() -> str:
    """The current time in the checkpoint's form."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- keys ------------------------------------------------------------------------------------------

def private_key(seed_b64: str, dev_secret: str) -> Ed25519PrivateKey:
    """The signing key from its base64 32-byte seed; without one, derived from the dev secret (refused in prod)."""
    if seed_b64:
        try:
            seed = base64.b64decode(seed_b64, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"SW_AUDIT_SIGNING_KEY is not base64: {exc}") from None
        if len(seed) != 32:
            raise ValueError(f"SW_AUDIT_SIGNING_KEY must be 32 bytes once decoded, not {len(seed)}")
    else:
        seed = hashlib.sha256(DEV_KEY_LABEL + dev_secret.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def configured_key(settings: Settings) -> Ed25519PrivateKey:
    """The deployment's signing key; in prod only a configured one (the audit service alone holds it)."""
    if settings.environment == "prod" and not settings.audit_signing_key:
        raise ValueError("SW_AUDIT_SIGNING_KEY must be set in prod")
    return private_key(settings.audit_signing_key, settings.jwt_secret)


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key (RFC 8032)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> str:
    """The public key as PEM SubjectPublicKeyInfo (RFC 8410)."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ``ValueError`` for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def sign(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> Checkpoint:
    """The checkpoint with its key id and Ed25519 signature over its signed form."""
    return replace(checkpoint, key_id=key_id(key.public_key()), signature=key.sign(checkpoint.signed_form()))


def signature_problem(checkpoint: Checkpoint, key: Ed25519PublicKey) -> str:
    """Why the checkpoint's signature does not hold under ``key`` (empty if it does)."""
    if checkpoint.key_id != key_id(key):
        return f"signed by key {checkpoint.key_id!r}, not by the published key {key_id(key)!r}"
    try:
        key.verify(checkpoint.signature, checkpoint.signed_form())
    except InvalidSignature:
        return "the signature does not match the checkpoint (the checkpoint or its signature was altered)"
    return ""
