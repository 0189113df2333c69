"""Event contracts of the audit service (审计): the ledger's signed checkpoints, for departments to keep.

A department that keeps every checkpoint can later prove, with a consistency proof, that the
ledger it is shown extends what was signed then (services/audit/README.md gives every byte).
"""

from __future__ import annotations

from pydantic import Field

from shared.contracts import Contract, contract

SERVICE = "audit"


@contract(SERVICE, "checkpoint", "signed")
class CheckpointSigned(Contract):
    """The ledger's first ``tree_size`` entries have this Merkle root and chain hash, signed with Ed25519."""

    origin: str
    tree_size: int = Field(ge=1)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="RFC 9162 Merkle tree head, hex")
    chain_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="the ledger's chain hash at tree_size, hex")
    time: str = Field(description="YYYY-MM-DDTHH:MM:SSZ, as signed")
    key_id: str = Field(description="first 16 hex digits of SHA-256 of the raw Ed25519 public key")
    signature: str = Field(description="base64 Ed25519 signature of the checkpoint's signed form")
