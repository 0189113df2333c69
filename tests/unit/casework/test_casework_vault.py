"""The vault: a person's data opens only with their own key, under the service key it was wrapped with."""

from __future__ import annotations

from uuid import uuid4

from services.casework.application.ports import KeyRow, MemoryKeyStore
from services.casework.application.vault import Vault


def test_sealed_data_opens_with_its_own_key_only() -> None:
    keys = MemoryKeyStore()
    vault = Vault(keys, b"service-key", b"identity-key")
    alice, bob = uuid4(), uuid4()
    for person in (alice, bob):
        vault.create_key(person, None, "m")
    sealed = vault.seal(alice, {"name": "甲"})
    assert "甲" not in sealed and vault.open(alice, sealed) == {"name": "甲"}
    assert vault.open(bob, sealed) is None, "another person's key does not open it"
    keys.put(KeyRow(bob, keys.rows[alice].wrapped_key, None, "m"))
    assert vault.open(bob, vault.seal(alice, {"name": "甲"})) is None, "a key moved to another person opens nothing"
    assert Vault(keys, b"another-service-key", b"identity-key").open(alice, sealed) is None
    assert vault.destroy(alice) and vault.open(alice, sealed) is None


def test_digests_are_keyed() -> None:
    one, other = Vault(MemoryKeyStore(), b"k", b"id-1"), Vault(MemoryKeyStore(), b"k", b"id-2")
    assert one.digest("id:110") == one.digest("id:110") != other.digest("id:110")
