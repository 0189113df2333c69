"""Findings and finance figures read from a real ledger table: folded once, then only what was appended since, with
the ledger's own positions; an entry claiming another service's type is not a fact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from services.audit.facts_store import with_facts
from services.audit.finance import payroll
from services.audit.findings_rules import evaluate
from services.audit.projections import LedgerProjection
from shared import envelope, store
from shared.contracts import Contract
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.domain import SYSTEM
from shared.settings import Settings
from tests.kit.infra import isolated


@pytest.fixture
def ledger(settings: Settings) -> Iterator[tuple[Settings, str]]:
    """An empty audit ledger of this test's own."""
    own = isolated(settings)
    store.ensure_database(own.database_url, own.database_name("audit"))
    url = store.service_url(own, "audit")
    with store.connect(url) as conn, conn.transaction():
        for statement in LedgerProjection.ddl:
            conn.execute(statement)
    yield own, url
    store.drop_database(own.database_url, own.database_name("audit"))


class Appender:
    """Appends events to the ledger as its projection does, each service numbering its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seq: dict[str, int] = {}

    def add(self, payload: Contract, subject: str, service: str = "") -> int:
        service = service or payload.service
        seq = self.seq[service] = self.seq.get(service, 0) + 1
        document = envelope.build(service=service, payload=payload, notification_id=seq, previous_id=seq - 1,
                                  aggregate_id=subject, aggregate_version=seq,
                                  timestamp=datetime(2026, 1, 1, tzinfo=UTC), ctx=SYSTEM)
        document["subject"] = subject
        event = envelope.CloudEvent.parse(envelope.encode(document))
        with store.connect(self.url) as conn, conn.transaction(), conn.cursor() as cur:
            LedgerProjection().apply(cur, event)
            return cur.execute("SELECT max(position) AS p FROM ledger").fetchone()["p"]


def test_findings_cite_the_ledgers_positions_and_follow_what_is_appended(ledger: tuple[Settings, str]) -> None:
    own, url = ledger
    ledger_of = Appender(url)
    hired = ledger_of.add(w.WorkerHired(name="张三", employer_id="6f1c1d7e-0000-4000-8000-000000000001",
                                        hired_on=date(2021, 7, 1)), "W1")
    paid = [ledger_of.add(w.WorkerPayRecorded(period=m, gross_fen=300_000, paid_on=date.fromisoformat(f"{m}-28"),
                                              below_minimum_wage=False, minimum_wage_fen=190_000,
                                              employer_id="6f1c1d7e-0000-4000-8000-000000000001"), "W1")
            for m in ("2021-07", "2021-08")]
    ledger_of.add(c.MisuseReportOpened(station_id="6f1c1d7e-0000-4000-8000-000000000002", township_code="T01",
                                       worker_id="W1", observed_on=date(2021, 8, 1)), "R1", service="casework")

    def found(as_of: str) -> dict[tuple[str, str], tuple[int, ...]]:
        with store.connect(url) as conn:
            return with_facts(conn, lambda facts: {(f.rule, f.period): f.positions for f in
                                                   evaluate(facts, date.fromisoformat(as_of), own)})

    first = found("2021-10-20")
    assert first[("pay_missed", "2021-09")] == (hired,)
    assert not [key for key in first if key[0] == "misuse_open"], "a stations type from the casework source"
    late = ledger_of.add(w.WorkerPayRecorded(period="2021-09", gross_fen=300_000, paid_on=date(2021, 10, 25),
                                             below_minimum_wage=False, minimum_wage_fen=190_000,
                                             employer_id="6f1c1d7e-0000-4000-8000-000000000001"), "W1")
    assert found("2021-10-31")[("pay_missed", "2021-09")] == (hired, late)
    with store.connect(url) as conn:
        [row] = with_facts(conn, lambda facts: payroll(facts, own.minimum_wage_fen)[:1])
    assert (row["month"], row["positions"]) == ("2021-07", [paid[0]])
