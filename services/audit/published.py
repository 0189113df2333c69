"""Which contract each audit domain event is published as: the signed checkpoints and the
compliance findings, for departments to keep."""

from __future__ import annotations

from services.audit.checkpoints import Checkpoint
from services.audit.findings_log import FindingRecord
from shared.contracts import Contract
from shared.contracts.audit import CheckpointSigned, FindingRaised, FindingResolved

PUBLISHED: dict[type, type[Contract]] = {
    Checkpoint.Signed: CheckpointSigned,
    FindingRecord.Raised: FindingRaised,
    FindingRecord.Resolved: FindingResolved,
}
