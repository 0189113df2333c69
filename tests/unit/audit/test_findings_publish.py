"""Publishing findings through the audit service's own store: raised once, resolved once, whatever the register
knows."""

from __future__ import annotations

from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.checkpoints import AuditLog
from services.audit.findings_log import FindingRecord, publish
from services.audit.findings_rules import Finding
from services.audit.published import PUBLISHED
from shared.contracts.audit import FindingRaised, FindingResolved
from shared.domain import Context

CTX = Context(actor="audit-findings-schedule", role="system", organisation="county")
AS_OF = date(2021, 12, 20)
OVERDUE = Finding("ledger_overdue", "S1", "2021-Q3", date(2021, 10, 16), (3,), "not submitted", "T31")


class Register:
    """What the ``findings_published`` table holds: finding id → resolved or not."""

    def __init__(self, rows: dict[Any, bool] | None = None) -> None:
        self.rows = rows or {}

    def execute(self, _sql: str) -> list[dict[str, Any]]:
        return [{"finding_id": k, "resolved": v} for k, v in self.rows.items()]


def log() -> AuditLog:
    return AuditLog(env={}, key=Ed25519PrivateKey.generate(), origin="sw-audit/XX")


def stored(app: AuditLog) -> list[Any]:
    return [e for e in app.events.get(OVERDUE.id)] if app.exists(OVERDUE.id) else []


def test_a_new_finding_is_raised_once_with_its_positions_and_published_as_its_contract() -> None:
    app = log()
    done = publish(app, Register(), [OVERDUE], AS_OF, CTX)
    assert (done.raised, done.resolved) == (1, 0)
    record = app.repository.get(OVERDUE.id)
    assert (record.rule, record.subject_id, record.positions) == ("ledger_overdue", "S1", (3,))
    assert record.resolved_on is None
    again = publish(app, Register(), [OVERDUE], AS_OF, CTX)  # the register has not caught up yet
    assert (again.raised, again.resolved) == (0, 0) and app.repository.get(OVERDUE.id).version == 1
    raised = FindingRaised.from_event(vars(stored(app)[0]))
    assert (raised.subject_id, raised.period, raised.positions, raised.township) == ("S1", "2021-Q3", [3], "T31")
    assert PUBLISHED[FindingRecord.Raised] is FindingRaised and PUBLISHED[FindingRecord.Resolved] is FindingResolved


def test_an_open_finding_is_resolved_when_its_fact_arrives_and_only_once() -> None:
    app = log()
    publish(app, Register(), [OVERDUE], AS_OF, CTX)
    fixed = Finding(**{**vars(OVERDUE), "positions": (3, 9), "resolved_on": date(2021, 12, 22)})
    done = publish(app, Register({OVERDUE.id: False}), [fixed], date(2021, 12, 31), CTX)
    assert (done.raised, done.resolved) == (0, 1)
    resolution = FindingResolved.from_event(vars(stored(app)[-1]))
    assert (resolution.resolved_on, resolution.positions) == (date(2021, 12, 22), [9])
    assert publish(app, Register({OVERDUE.id: False}), [fixed], date(2021, 12, 31), CTX).resolved == 0


def test_a_finding_first_seen_resolved_is_raised_and_resolved_so_its_whole_story_is_published() -> None:
    app = log()
    fixed = Finding(**{**vars(OVERDUE), "positions": (3, 9), "resolved_on": date(2021, 12, 22)})
    assert publish(app, Register(), [fixed], date(2021, 12, 31), CTX).raised == 1
    assert [type(e).__name__ for e in stored(app)] == ["Raised", "Resolved"]


def test_a_published_finding_no_longer_found_is_resolved_with_the_reason() -> None:
    app = log()
    publish(app, Register(), [OVERDUE], AS_OF, CTX)
    done = publish(app, Register({OVERDUE.id: False}), [], date(2021, 12, 31), CTX)
    assert done.resolved == 1
    last = stored(app)[-1]
    assert last.resolved_on == date(2021, 12, 31) and "no longer found" in last.reason
