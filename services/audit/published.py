"""Which contract each audit domain event is published as: the signed checkpoints, for departments to keep."""

from __future__ import annotations

from services.audit.checkpoints import Checkpoint
from shared.contracts import Contract
from shared.contracts.audit import CheckpointSigned

PUBLISHED: dict[type, type[Contract]] = {
    Checkpoint.Signed: CheckpointSigned,
}
