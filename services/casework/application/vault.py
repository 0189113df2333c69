"""The vault: personal data sealed with a key per beneficiary (AES-256-GCM), so erasure is destroying one key.

A beneficiary's key is random, stored only in the key table, wrapped (AES-GCM) with the service's key, and bound
to the beneficiary's id (associated data), so a key or a sealed record moved to another person does not open.
Sealed text is ``base64(nonce ‖ ciphertext)``. Digests for duplicate detection are HMAC-SHA256 under the identity
key; they live in the key table too, so erasure removes them with the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.casework.application.ports import KeyRow, KeyStore

NONCE = 12


class Vault:
    """Seals and opens one person's personal data with their own key."""

    def __init__(self, keys: KeyStore, master_key: bytes, identity_key: bytes) -> None:
        self.keys = keys
        self._master = AESGCM(hashlib.sha256(b"sw-casework-keys\x00" + master_key).digest())
        self._identity = hashlib.sha256(b"sw-casework-identity\x00" + identity_key).digest()

    def digest(self, text: str) -> str:
        """A keyed digest: stable for equal input, not reversible by guessing without the key."""
        return hmac.new(self._identity, text.encode(), hashlib.sha256).hexdigest()

    def create_key(self, beneficiary_id: UUID, id_digest: str | None, match_digest: str) -> None:
        """Gives a beneficiary a new key (replacing any earlier one)."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        wrapped = nonce + self._master.encrypt(nonce, key, beneficiary_id.bytes)
        self.keys.put(KeyRow(beneficiary_id, wrapped, id_digest, match_digest))

    def update_digests(self, beneficiary_id: UUID, id_digest: str | None, match_digest: str) -> None:
        """The digests after a correction, the key unchanged."""
        row = self.keys.get(beneficiary_id)
        if row is None:
            raise LookupError(f"beneficiary {beneficiary_id} has no key")
        self.keys.put(KeyRow(beneficiary_id, row.wrapped_key, id_digest, match_digest))

    def seal(self, beneficiary_id: UUID, data: dict[str, Any]) -> str:
        """The sealed form of ``data``, openable only with this beneficiary's key."""
        key = self._key(beneficiary_id)
        if key is None:
            raise LookupError(f"beneficiary {beneficiary_id} has no key")
        nonce = os.urandom(NONCE)
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
        return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, text, beneficiary_id.bytes)).decode()

    def open(self, beneficiary_id: UUID, sealed: str | None) -> dict[str, Any] | None:
        """The data ``seal`` sealed; None if the key was destroyed (erased) or nothing was sealed."""
        key = self._key(beneficiary_id)
        if key is None or not sealed:
            return None
        raw = base64.b64decode(sealed)
        try:
            return json.loads(AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], beneficiary_id.bytes))
        except InvalidTag:
            return None

    def destroy(self, beneficiary_id: UUID) -> bool:
        """Erasure: the key and digests go; everything sealed with the key stays unreadable for ever."""
        return self.keys.destroy(beneficiary_id)

    def _key(self, beneficiary_id: UUID) -> bytes | None:
        row = self.keys.get(beneficiary_id)
        if row is None:
            return None
        wrapped = row.wrapped_key
        try:
            return self._master.decrypt(wrapped[:NONCE], wrapped[NONCE:], beneficiary_id.bytes)
        except InvalidTag:
            return None  # wrapped for another person, or with another service key: it opens nothing
