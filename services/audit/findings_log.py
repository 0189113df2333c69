"""Findings as the audit service's own events: raised and resolved through its event store and relay.

An evaluation computes the findings as of a business date (``findings_rules``) and compares them with
what was already published (the ``findings_published`` register, fed from the stream): a finding not
yet raised is raised (and resolved at once if it already was, so departments see its whole story); an
open one now resolved, or no longer found at all (its facts changed), is resolved. One aggregate per
finding id, so two evaluations racing raise it once: the second one's save conflicts and is passed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from services.audit.findings_rules import Finding
from shared.application import ServiceApplication
from shared.contracts.audit import FindingRaised, FindingResolved
from shared.domain import Context
from shared.envelope import CloudEvent, service_of
from shared.projection import Handler, Projection

SAVE_BATCH = 200  # findings raised per transaction: the first evaluation of a long history raises many


class FindingRecord(Aggregate):
    """A published finding: raised once, resolved at most once."""

    @event("Raised")
    def __init__(self, finding_id: UUID, rule: str, subject_id: str, period: str, since: date,
                 positions: tuple[int, ...], detail: str, township: str, severity: str, as_of: date,
                 ctx: Context) -> None:
        self.rule, self.subject_id, self.period, self.since = rule, subject_id, period, since
        self.positions, self.detail, self.township, self.severity = tuple(positions), detail, township, severity
        self.resolved_on: date | None = None

    @classmethod
    def create_id(cls, finding_id: UUID, **_: Any) -> UUID:
        """The finding's own stable id."""
        return finding_id

    @event("Resolved")
    def resolve(self, resolved_on: date, positions: tuple[int, ...], reason: str, as_of: date, ctx: Context) -> None:
        """The finding no longer holds."""
        self.resolved_on = resolved_on


@dataclass(frozen=True)
class Published:
    """What one evaluation published."""

    as_of: date
    raised: int
    resolved: int


def _raise(f: Finding, as_of: date, ctx: Context) -> FindingRecord:
    record = FindingRecord(finding_id=f.id, rule=f.rule, subject_id=f.subject, period=f.period, since=f.since,
                           positions=f.positions, detail=f.detail, township=f.township, severity=f.severity,
                           as_of=as_of, ctx=ctx)
    if f.resolved_on is not None:
        record.resolve(resolved_on=f.resolved_on, positions=f.positions[-1:], reason="resolved", as_of=as_of, ctx=ctx)
    return record


def publish(app: ServiceApplication, conn: psycopg.Connection, found: list[Finding], as_of: date,
            ctx: Context) -> Published:
    """Raises the findings not yet published and resolves those published open that no longer hold."""
    known = {row["finding_id"]: row["resolved"] for row in
             conn.execute("SELECT finding_id, resolved_on IS NOT NULL AS resolved FROM findings_published")}
    current = {f.id: f for f in found}
    made = _raise_all(app, [f for f in found if f.id not in known], as_of, ctx)
    resolved = 0
    for f in found:
        if f.id not in made and not known.get(f.id) and f.resolved_on is not None:  # also when the register lags
            resolved += _save(app, lambda f=f: _resolved(app, f.id, f.resolved_on, f.positions[-1:], "resolved",
                                                          as_of, ctx))
    for finding_id, was_resolved in known.items():
        if not was_resolved and finding_id not in current:
            resolved += _save(app, lambda i=finding_id: _resolved(app, i, as_of, (), "no longer found: the facts it "
                                                                  "rested on changed", as_of, ctx))
    return Published(as_of, len(made), resolved)


def _raise_all(app: ServiceApplication, new: list[Finding], as_of: date, ctx: Context) -> set[UUID]:
    """Raises new findings a batch per transaction; one by one when a batch holds one stored meanwhile."""
    made: set[UUID] = set()
    for start in range(0, len(new), SAVE_BATCH):
        batch = new[start:start + SAVE_BATCH]
        try:
            app.save(*(_raise(f, as_of, ctx) for f in batch))
        except IntegrityError:
            made |= {f.id for f in batch if _save(app, lambda f=f: [_raise(f, as_of, ctx)])}
        else:
            made |= {f.id for f in batch}
    return made


def _resolved(app: ServiceApplication, finding_id: UUID, on: date, positions: tuple[int, ...], reason: str,
              as_of: date, ctx: Context) -> list[FindingRecord]:
    try:
        record = app.repository.get(finding_id)
    except AggregateNotFoundError:
        return []
    if not isinstance(record, FindingRecord) or record.resolved_on is not None:
        return []  # the register had not caught up with a resolution already stored
    record.resolve(resolved_on=on, positions=positions, reason=reason, as_of=as_of, ctx=ctx)
    return [record]


def _save(app: ServiceApplication, make) -> int:
    records = make()
    if not records:
        return 0
    try:
        app.save(*records)
    except IntegrityError:
        return 0  # another evaluation stored it first
    return 1


FINDINGS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS findings_published (
        finding_id uuid PRIMARY KEY,
        rule text NOT NULL,
        subject text NOT NULL,
        period text NOT NULL,
        raised_event text NOT NULL,
        resolved_on date,
        resolved_event text
    )
    """,
)


class FindingRegister(Projection):
    """The findings this service published (from the stream): what the next evaluation compares against."""

    name = "audit.findings"
    ddl = FINDINGS_DDL
    tables = ("findings_published",)

    def handlers(self) -> dict[str, Handler]:
        """Raised and resolved, from the audit source only."""
        return {FindingRaised.event_type(): self._raised, FindingResolved.event_type(): self._resolved}

    def _raised(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if service_of(event.source) != "audit":
            return
        data = FindingRaised.model_validate(event.data)
        cur.execute("INSERT INTO findings_published (finding_id, rule, subject, period, raised_event) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (finding_id) DO NOTHING",
                    (event.subject, data.rule, data.subject_id, data.period, event.id))

    def _resolved(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if service_of(event.source) != "audit":
            return
        data = FindingResolved.model_validate(event.data)
        cur.execute("UPDATE findings_published SET resolved_on = %s, resolved_event = %s "
                    "WHERE finding_id = %s AND resolved_on IS NULL", (data.resolved_on, event.id, event.subject))
