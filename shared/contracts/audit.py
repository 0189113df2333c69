"""Event contracts of the audit service (审计): the ledger's signed checkpoints and the compliance findings,
for departments to keep.

A department that keeps every checkpoint can later prove, with a consistency proof, that the
ledger it is shown extends what was signed then (services/audit/README.md gives every byte).
"""

from __future__ import annotations

from datetime import date

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


@contract(SERVICE, "finding", "raised")
class FindingRaised(Contract):
    """A compliance finding: ``rule`` broken by ``subject_id`` since a business date, resting on ledger positions."""

    rule: str
    subject_id: str = Field(description="what the finding is about: a station, worker, contract, report id or county")
    period: str = Field(description="what within the subject: a month, a quarter, an item, or the date it began")
    since: date
    positions: list[int] = Field(description="the audit ledger positions of the entries the finding rests on")
    detail: str
    township: str = Field(description="the township of the station concerned; empty when none")
    severity: str = Field(description="breach or warning")
    as_of: date = Field(description="the business date of the evaluation that raised it")


@contract(SERVICE, "finding", "resolved")
class FindingResolved(Contract):
    """The finding no longer holds: resolved on a business date by the entries at ``positions``."""

    resolved_on: date
    positions: list[int]
    reason: str
    as_of: date
