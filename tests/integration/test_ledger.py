"""The audit ledger on the real servers: every event once, hash-chained, append-only, complete, and verifiable."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from services.audit import application
from services.audit.domain import GENESIS, Gap, Verdict, canonical_form, chain_hash, leaf_hash
from services.audit.projections import LedgerProjection
from services.audit.queries import ledger_entries, ledger_links, stream_heads
from shared import envelope, store
from shared.projection import ProjectionRunner
from shared.settings import Settings
from tests.kit.infra import read_subject
from tests.kit.ledger import ledger_of, ledger_rows, ledger_size, publish_event, run_ledger


@pytest.fixture
def ledger_url(iso: Settings):
    """The audit database of this test."""
    store.ensure_database(iso.database_url, iso.database_name("audit"))
    yield store.service_url(iso, "audit")
    store.drop_database(iso.database_url, iso.database_name("audit"))


async def _verdict(iso: Settings, js, url: str) -> Verdict:
    heads, why = await stream_heads(js, iso)
    with store.connect(url) as conn:
        return application.verify(ledger_entries(conn), ledger_links(conn), heads, why)


def _superuser(url: str, *statements: str) -> None:
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        for statement in statements:
            conn.execute(statement)
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")


# --- the chain --------------------------------------------------------------------------------

async def test_ledger_chains_every_event_as_documented(iso: Settings, js, ledger_url: str) -> None:
    await ledger_of(iso, js, ledger_url, 4)
    rows = ledger_rows(ledger_url)
    assert [r["position"] for r in rows] == [1, 2, 3, 4]
    stream_positions = [r["stream_sequence"] for r in rows]  # where the stream held each event, for auditors
    assert all(stream_positions) and stream_positions == sorted(set(stream_positions))
    previous = GENESIS
    for row in rows:
        event = json.loads(bytes(row["canonical"]))
        assert bytes(row["canonical"]) == canonical_form(event)
        assert bytes(row["leaf_hash"]) == leaf_hash(canonical_form(event))
        assert bytes(row["chain_hash"]) == chain_hash(previous, leaf_hash(canonical_form(event)))
        assert (row["sequence"], row["prevsequence"], row["subject"]) == (
            event["sequence"], event["prevsequence"], event["subject"])
        previous = bytes(row["chain_hash"])
    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and verdict.complete and verdict.checked == 4 and verdict.head == previous.hex()
    assert [(s.source, s.ledger_head, s.stream_head) for s in verdict.sources] == [("/sw/gadgets", 4, 4)]


async def test_ledger_refuses_update_delete_and_truncate(iso: Settings, js, ledger_url: str) -> None:
    await ledger_of(iso, js, ledger_url, 1)
    for statement in ("UPDATE ledger SET subject = 'x'", "DELETE FROM ledger", "TRUNCATE ledger"):
        with store.connect(ledger_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                               match="append-only"):
            conn.execute(statement)


async def test_a_row_edited_by_a_superuser_is_named_by_verify(iso: Settings, js, ledger_url: str) -> None:
    await ledger_of(iso, js, ledger_url, 5)
    _superuser(ledger_url, "UPDATE ledger SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), "
                           "'60.5', '70.5'), 'UTF8') WHERE position = 3")
    verdict = await _verdict(iso, js, ledger_url)
    assert not verdict.ok
    assert verdict.first_bad_position == 3 and verdict.checked == 2
    assert "altered" in verdict.reason


async def test_a_deleted_row_is_named_by_verify(iso: Settings, js, ledger_url: str) -> None:
    await ledger_of(iso, js, ledger_url, 4)
    _superuser(ledger_url, "DELETE FROM ledger WHERE position = 2")
    verdict = await _verdict(iso, js, ledger_url)
    assert not verdict.ok and verdict.first_bad_position == 3 and "missing" in verdict.reason
    assert not verdict.complete
    assert [(g.missing_after, g.missing_before) for g in verdict.missing] == [(1, 3)]


@pytest.mark.parametrize("edit", ["subject = 'another-aggregate'", "event_time = event_time + interval '1 day'"])
async def test_a_search_column_edited_by_a_superuser_is_named_by_verify(iso: Settings, js, ledger_url: str,
                                                                        edit: str) -> None:
    await ledger_of(iso, js, ledger_url, 3)
    _superuser(ledger_url, f"UPDATE ledger SET {edit} WHERE position = 2")
    verdict = await _verdict(iso, js, ledger_url)
    assert (verdict.ok, verdict.first_bad_position) == (False, 2)
    assert f"column {edit.split()[0]}" in verdict.reason


# --- the schema migration ---------------------------------------------------------------------

OLD_LEDGER = """
    CREATE TABLE ledger (position bigint PRIMARY KEY, event_id text NOT NULL, source text NOT NULL,
        type text NOT NULL, subject text NOT NULL, event_time timestamptz NOT NULL, stream_sequence bigint,
        recorded_at timestamptz NOT NULL DEFAULT now(), canonical bytea NOT NULL, leaf_hash bytea NOT NULL,
        chain_hash bytea NOT NULL, UNIQUE (source, event_id))
"""


async def test_a_ledger_of_the_previous_schema_gains_its_sequence_columns_and_stays_append_only(
        iso: Settings, js, ledger_url: str) -> None:
    with store.connect(ledger_url) as conn, conn.transaction():
        conn.execute(OLD_LEDGER)
        for statement in LedgerProjection.ddl[1:4]:  # the append-only triggers, as deployed before
            conn.execute(statement)
        previous = GENESIS
        for seq in (1, 3):
            document = {"id": f"gadgets-{seq}", "source": "/sw/gadgets", "type": "sw.gadgets.gadget.measured.v1",
                        "subject": "g", "time": "2022-01-01T08:00:00Z", "sequence": seq,
                        "prevsequence": seq - 2 if seq > 1 else 0, "specversion": "1.0", "data": {"area": 1e16}}
            body = canonical_form(document)
            previous = chain_hash(previous, leaf_hash(body))
            conn.execute("INSERT INTO ledger (position, event_id, source, type, subject, event_time, canonical, "
                         "leaf_hash, chain_hash) VALUES (%s, %s, %s, %s, 'g', %s, %s, %s, %s)",
                         (seq // 2 + 1, document["id"], document["source"], document["type"],
                          datetime(2022, 1, 1, 8, tzinfo=UTC), body, leaf_hash(body), previous))
    ProjectionRunner(iso, LedgerProjection(), ledger_url).setup()
    ProjectionRunner(iso, LedgerProjection(), ledger_url).setup()  # every start runs it again: idempotent
    assert [(r["sequence"], r["prevsequence"]) for r in ledger_rows(ledger_url)] == [(1, 0), (3, 1)]
    with store.connect(ledger_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE ledger SET subject = 'x'")
    with store.connect(ledger_url) as conn, pytest.raises(psycopg.errors.GeneratedAlways):
        conn.execute("INSERT INTO ledger (position, event_id, source, type, subject, event_time, canonical, "
                     "leaf_hash, chain_hash, sequence) VALUES (9, 'x', 'x', 'x', 'x', now(), '\\x', '\\x', '\\x', 1)")
    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and verdict.checked == 2


# --- completeness -----------------------------------------------------------------------------

class _SkippingLedger(LedgerProjection):
    """The ledger as it behaved before it halted: an event it failed on was dead-lettered and passed over."""

    halts_on_failure = False

    def __init__(self, skip: str) -> None:
        self.skip = skip

    def apply(self, cur: psycopg.Cursor, event: envelope.CloudEvent) -> None:
        if event.id == self.skip:
            raise ValueError("cannot record this one")
        super().apply(cur, event)


async def test_an_event_missing_from_the_ledger_is_named_and_the_ledger_is_incomplete(
        iso: Settings, js, ledger_url: str) -> None:
    skipped = ""
    for seq, prev in ((1, 0), (3, 1), (4, 3), (6, 4)):  # 2 and 5: records that are never published
        event_id = await publish_event(js, iso, "gadgets", seq, prev)
        skipped = event_id if seq == 4 else skipped
    for seq in (1, 2, 3):
        await publish_event(js, iso, "gizmos", seq, seq - 1)
    once = iso.model_copy(update={"consumer_max_attempts": 1})
    await run_ledger(once, js, ledger_url, lambda: ledger_size(ledger_url) >= 6, _SkippingLedger(skipped))
    await publish_event(js, iso, "gizmos", 4, 3)  # on the stream, not yet in the ledger

    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and verdict.checked == 6  # the chain itself is intact ...
    assert not verdict.complete  # ... but it lacks events
    assert [(g.source, g.missing_after, g.missing_before, g.stream_head) for g in verdict.missing] == [
        ("/sw/gadgets", 3, 6, None), ("/sw/gizmos", 3, None, 4)]

    await run_ledger(iso, js, ledger_url, lambda: ledger_size(ledger_url) >= 7)
    verdict = await _verdict(iso, js, ledger_url)
    assert [g.source for g in verdict.missing] == ["/sw/gadgets"]  # the skipped one stays missing, named


async def test_a_ledger_behind_a_stream_that_does_not_answer_is_not_called_complete(
        iso: Settings, js, ledger_url: str) -> None:
    await ledger_of(iso, js, ledger_url, 2)
    with store.connect(ledger_url) as conn:
        verdict = application.verify(ledger_entries(conn), ledger_links(conn), None, "TimeoutError")
    assert verdict.ok and not verdict.complete and "TimeoutError" in verdict.completeness_reason


# --- values at the edge of JSON (regressions) -------------------------------------------------

async def test_a_large_double_is_recorded_and_verified(iso: Settings, js, ledger_url: str) -> None:
    await publish_event(js, iso, "gadgets", 1, 0, {"area": 1e16})
    await publish_event(js, iso, "gadgets", 2, 1, {"area": 9007199254740994})
    await publish_event(js, iso, "gadgets", 3, 2, time="2022-01-01T08:00:00")  # no offset: read as UTC
    await run_ledger(iso, js, ledger_url, lambda: ledger_size(ledger_url) >= 3)
    stored = [bytes(r["canonical"]) for r in ledger_rows(ledger_url)]
    assert b'"area":10000000000000000' in stored[0] and b'"area":9007199254740994' in stored[1]
    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and verdict.complete and verdict.checked == 3


class _CountingLedger(LedgerProjection):
    """The ledger, counting how often each event reached it."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()

    def apply(self, cur: psycopg.Cursor, event: envelope.CloudEvent) -> None:
        self.attempts[event.id] += 1
        super().apply(cur, event)


@pytest.mark.parametrize(("service", "poison"), [
    ("gadgets", {"area": float("inf")}),
    ("gizmos", {"by": 9007199254740993}),
])
async def test_an_event_the_ledger_cannot_record_stops_it_there_and_is_never_passed_over(
        iso: Settings, js, ledger_url: str, service: str, poison: dict[str, Any]) -> None:
    await publish_event(js, iso, service, 1, 0)
    await publish_event(js, iso, service, 2, 1)
    bad = await publish_event(js, iso, service, 3, 2, poison)
    await publish_event(js, iso, service, 4, 3)
    twice = iso.model_copy(update={"consumer_max_attempts": 2})
    ledger = _CountingLedger()

    def settled() -> bool:  # retried past the old limit, or (wrongly) passed over
        return ledger.attempts[bad] >= 4 or ledger_size(ledger_url) > 2

    await run_ledger(twice, js, ledger_url, settled, ledger, timeout=60)
    assert [r["sequence"] for r in ledger_rows(ledger_url)] == [1, 2]
    tracked = ledger_rows(ledger_url, "SELECT source, last_sequence FROM projection_tracking")
    assert [(r["source"], r["last_sequence"]) for r in tracked] == [(f"/sw/{service}", 2)]
    assert await read_subject(js, iso, f"{iso.subject_prefix}.dlq.>", wait=0.5) == []
    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and not verdict.complete
    assert verdict.missing == (Gap(f"/sw/{service}", 2, stream_head=4, detail=verdict.missing[0].detail),)


async def test_a_batch_the_database_refuses_is_retried_event_by_event_and_stops_at_the_refused_one(
        iso: Settings, js, ledger_url: str) -> None:
    """Entries are inserted together when their batch closes; when that insert fails, nothing of the batch is
    recorded, and its retry, one event at a time, records every event before and beside the refused one, leaving
    no hole, and never passes over it."""
    ProjectionRunner(iso, LedgerProjection(), ledger_url).setup()
    await publish_event(js, iso, "gizmos", 1, 0)
    refused = await publish_event(js, iso, "gizmos", 2, 1)
    for seq in (1, 2):
        await publish_event(js, iso, "gadgets", seq, seq - 1)
    with store.connect(ledger_url) as conn, conn.transaction():
        conn.execute(f"""CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF NEW.event_id = '{refused}' THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF;
            RETURN NEW; END $$""")
        conn.execute("CREATE TRIGGER refuse_one BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION refuse_one()")
    ledger = _CountingLedger()
    await run_ledger(iso, js, ledger_url, lambda: ledger.attempts[refused] >= 3 and ledger_size(ledger_url) >= 3,
                     ledger)

    rows = ledger_rows(ledger_url)
    assert [(r["position"], r["source"], r["sequence"]) for r in rows] == [
        (1, "/sw/gizmos", 1), (2, "/sw/gadgets", 1), (3, "/sw/gadgets", 2)]
    previous = GENESIS
    for row in rows:
        assert bytes(row["chain_hash"]) == chain_hash(previous, bytes(row["leaf_hash"]))
        previous = bytes(row["chain_hash"])
    tracked = ledger_rows(ledger_url, "SELECT source, last_sequence FROM projection_tracking ORDER BY source")
    assert [(r["source"], r["last_sequence"]) for r in tracked] == [("/sw/gadgets", 2), ("/sw/gizmos", 1)]

    with store.connect(ledger_url) as conn, conn.transaction():
        conn.execute("DROP TRIGGER refuse_one ON ledger")
    await run_ledger(iso, js, ledger_url, lambda: ledger_size(ledger_url) >= 4)
    assert [(r["position"], r["sequence"]) for r in ledger_rows(ledger_url)][-1] == (4, 2)
    verdict = await _verdict(iso, js, ledger_url)
    assert verdict.ok and verdict.complete and verdict.checked == 4


def test_a_batch_whose_head_moved_under_it_copies_nothing(iso: Settings, ledger_url: str) -> None:
    """A batch's entries are copied in only if the first follows the table's last row, read again just before the
    copy: a row that came after the batch read its head (here written beside it, in its own transaction) refuses
    the whole batch, rather than leaving two rows at one position or a hole."""
    ProjectionRunner(iso, LedgerProjection(), ledger_url).setup()
    ledger = LedgerProjection()
    with store.connect(ledger_url) as conn, conn.cursor() as cur:
        with pytest.raises(RuntimeError, match="head moved"), ledger.batch(cur):
            ledger.apply(cur, _event(1))
            row = LedgerProjection._row(_event(9), b"{}", leaf_hash(b"{}"), (0, GENESIS))
            cur.execute("INSERT INTO ledger (position, event_id, source, type, subject, event_time, stream_sequence, "
                        "canonical, leaf_hash, chain_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row[:10])
        cur.execute("SELECT event_id FROM ledger ORDER BY position")
        assert [r["event_id"] for r in cur.fetchall()] == ["gadgets-9"]


def _event(seq: int) -> envelope.CloudEvent:
    document = {"specversion": "1.0", "id": f"gadgets-{seq}", "source": "/sw/gadgets", "type": "sw.gadgets.made.v1",
                "subject": "g", "time": "2022-01-01T08:00:00Z", "data": {}, "sequence": seq, "prevsequence": seq - 1}
    return envelope.CloudEvent.parse(json.dumps(document).encode())
