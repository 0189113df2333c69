"""Audit HTTP API for outside auditors: signed checkpoints, the public key, inclusion and consistency proofs."""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from services.audit import application, merkle, proofs, signing
from services.audit.api import MAX_POSITION
from services.audit.checkpoints import CHECKPOINT_MAKERS, AuditLog
from shared.domain import Invalid, NotFound
from shared.http import COMMAND_PROBLEMS, QUERY_PROBLEMS, CurrentContext
from shared.service import ReadDb, application_of, runtime_of

Log = Annotated[AuditLog, Depends(application_of(AuditLog))]
Size = Annotated[int, Path(ge=1, le=MAX_POSITION, description="a tree size: the number of ledger entries covered")]


class SignedCheckpoint(BaseModel):
    """A signed checkpoint: hashes hex, signature base64 over the signed form (README)."""

    origin: str
    tree_size: int
    root_hash: str
    chain_hash: str
    time: str
    key_id: str
    signature: str


class CheckpointPage(BaseModel):
    """Checkpoints smallest first; ``next`` is the ``after`` that continues the listing, null at the end."""

    items: list[SignedCheckpoint]
    next: int | None


class PublicKey(BaseModel):
    """The key checkpoints are signed with."""

    algorithm: str = "Ed25519"
    key_id: str
    public_key: str  # raw 32 bytes, base64
    pem: str  # SubjectPublicKeyInfo


class InclusionProof(BaseModel):
    """RFC 9162 inclusion proof of one entry in the tree of ``tree_size`` entries."""

    position: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    canonical: str  # the stored event bytes, base64: SHA-256(0x00 || canonical) = leaf_hash
    root_hash: str
    inclusion_path: list[str]
    checkpoint: SignedCheckpoint | None  # the signed checkpoint at tree_size, if one was made there


class ConsistencyProof(BaseModel):
    """RFC 9162 consistency proof: the tree of ``first`` entries is a prefix of the tree of ``second``."""

    first: int
    second: int
    first_root: str
    second_root: str
    consistency_path: list[str]
    first_checkpoint: SignedCheckpoint | None
    second_checkpoint: SignedCheckpoint | None


router = APIRouter(prefix="/v1", tags=["checkpoints and proofs"])


def _json(checkpoint: signing.Checkpoint | None) -> dict[str, Any] | None:
    return checkpoint.to_json() if checkpoint else None


@router.get("/checkpoints", response_model=CheckpointPage, responses=QUERY_PROBLEMS)
def list_checkpoints(ctx: CurrentContext, db: ReadDb,
                     after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="sizes above this")] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Signed checkpoints, smallest tree size first."""
    application.check_may_read_ledger(ctx)
    items = proofs.checkpoints(db, after, limit)
    return {"items": [c.to_json() for c in items], "next": items[-1].tree_size if len(items) == limit else None}


@router.post("/checkpoints", response_model=SignedCheckpoint, status_code=201,
             responses={**COMMAND_PROBLEMS, 200: {"model": SignedCheckpoint,
                                                  "description": "nothing was added since the checkpoint at the head"}})
async def make_checkpoint(request: Request, response: Response, ctx: CurrentContext, log: Log) -> dict[str, Any]:
    """Verifies the ledger since the last checkpoint and signs one at its head (409 if it does not verify).

    201 with the new checkpoint; 200 with the existing one when the ledger did not grow since.
    """
    ctx.require(*CHECKPOINT_MAKERS)
    pool = runtime_of(request).pool
    assert pool is not None

    def sign() -> tuple[dict[str, Any], bool]:
        with pool.connection() as conn:
            checkpoint, made = proofs.sign_next(log, conn, ctx)
            return checkpoint.signed().to_json(), made

    checkpoint, made = await asyncio.to_thread(sign)
    response.headers["Location"] = f"/v1/checkpoints/{checkpoint['tree_size']}"
    if not made:
        response.status_code = 200  # nothing was added since: the checkpoint at the head already exists
    return checkpoint


@router.get("/checkpoints/key", response_model=PublicKey, responses=QUERY_PROBLEMS)
def public_key(ctx: CurrentContext, log: Log) -> dict[str, Any]:
    """The Ed25519 public key that verifies every checkpoint."""
    application.check_may_read_ledger(ctx)
    key = log.key.public_key()
    return {"key_id": signing.key_id(key), "public_key": base64.b64encode(signing.raw_public(key)).decode(),
            "pem": signing.public_pem(key)}


@router.get("/checkpoints/consistency", response_model=ConsistencyProof, responses=QUERY_PROBLEMS)
def consistency_proof(ctx: CurrentContext, db: ReadDb,
                      first: Annotated[int, Query(ge=1, le=MAX_POSITION, description="the older tree size")],
                      second: Annotated[int, Query(ge=1, le=MAX_POSITION, description="the newer tree size")],
                      ) -> dict[str, Any]:
    """Proves the ledger of ``second`` entries extends the ledger of ``first`` entries."""
    application.check_may_read_ledger(ctx)
    if first > second:
        raise Invalid("first", f"first ({first}) must not exceed second ({second})")
    _within_ledger(db, second, "second")
    first_root, second_root = proofs.roots_at(db, first, second)
    return {"first": first, "second": second, "first_root": first_root.hex(), "second_root": second_root.hex(),
            "consistency_path": [h.hex() for h in proofs.consistency(db, first, second)],
            "first_checkpoint": _json(proofs.checkpoint_at(db, first)),
            "second_checkpoint": _json(proofs.checkpoint_at(db, second))}


@router.get("/checkpoints/{size}", response_model=SignedCheckpoint, responses=QUERY_PROBLEMS)
def get_checkpoint(ctx: CurrentContext, db: ReadDb, size: Size) -> dict[str, Any]:
    """The signed checkpoint at one tree size."""
    application.check_may_read_ledger(ctx)
    found = proofs.checkpoint_at(db, size)
    if found is None:
        raise NotFound(f"no checkpoint was signed at tree size {size}")
    return found.to_json()


@router.get("/ledger/{position}/proof", response_model=InclusionProof, responses=QUERY_PROBLEMS)
def inclusion_proof(ctx: CurrentContext, db: ReadDb,
                    position: Annotated[int, Path(ge=1, le=MAX_POSITION, description="the entry's position")],
                    tree_size: Annotated[int | None, Query(ge=1, le=MAX_POSITION, description=(
                        "the tree to prove inclusion in; default: the latest checkpoint's size"))] = None,
                    ) -> dict[str, Any]:
    """Proves the entry at ``position`` is in the ledger of ``tree_size`` entries."""
    application.check_may_read_ledger(ctx)
    if tree_size is None:
        latest = proofs.latest_checkpoint(db)
        if latest is None:
            raise NotFound("no checkpoint was signed yet: name a tree_size")
        tree_size = latest.tree_size
    _within_ledger(db, tree_size, "tree_size")
    if position > tree_size:
        raise Invalid("position", f"entry {position} is not in a tree of {tree_size} entries")
    entry = proofs.leaf_at(db, position)
    if entry is None:
        raise NotFound(f"no ledger entry at position {position}")
    leaf = bytes(entry["leaf_hash"])
    path = proofs.inclusion(db, position, tree_size)
    root = merkle.root_from_inclusion(leaf, position - 1, tree_size, path)  # the path covers every other leaf
    return {"position": position, "leaf_index": position - 1, "tree_size": tree_size, "leaf_hash": leaf.hex(),
            "canonical": base64.b64encode(entry["canonical"]).decode(), "root_hash": root.hex() if root else "",
            "inclusion_path": [h.hex() for h in path], "checkpoint": _json(proofs.checkpoint_at(db, tree_size))}


def _within_ledger(db: Any, size: int, name: str) -> None:
    head = proofs.ledger_head(db)
    if size > head:
        raise Invalid(name, f"the ledger holds {head} entries, fewer than {size}")
