"""What the projection runner does with each message: every branch of ``_decide``, on fake messages."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from shared import envelope
from shared.contracts.stations import TownshipPopulationAmended
from shared.projection import HALT_BACKOFF_MAX, Batch, Projection, ProjectionRunner
from shared.settings import Settings

TYPE = TownshipPopulationAmended.event_type()
SOURCE = envelope.source_of("stations")
PAYLOAD = {"township_code": "T01", "population": 9000, "previous_population": 8000, "effective_on": "2021-05-01"}


def document(sequence: int, prev: int | None = None, **changes: Any) -> dict[str, Any]:
    doc = {
        "specversion": "1.0", "id": envelope.event_id("stations", sequence), "source": SOURCE, "type": TYPE,
        "subject": "agg", "time": datetime(2021, 5, 1, tzinfo=UTC).isoformat(), "data": dict(PAYLOAD),
        "sequence": sequence, "prevsequence": sequence - 1 if prev is None else prev,
    }
    doc.update(changes)
    return doc


def message(body: dict[str, Any] | bytes, delivered: int = 1, stream_seq: int = 7, subject: str = "sw.stations.x"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    meta = SimpleNamespace(num_delivered=delivered, sequence=SimpleNamespace(stream=stream_seq))
    return SimpleNamespace(subject=subject, data=data, metadata=meta)


class Recording(Projection):
    """Records what it applied; fails while ``failure`` is set."""

    name = "test.recording"

    def __init__(self, failure: Exception | None = None, halts: bool = False) -> None:
        self.applied: list[str] = []
        self.failure = failure
        self.halts_on_failure = halts

    def handlers(self):
        return {TYPE: self._apply}

    def _apply(self, _cur, event) -> None:
        if self.failure is not None:
            raise self.failure
        self.applied.append(event.id)


CURSOR = SimpleNamespace(connection=SimpleNamespace(transaction=contextlib.nullcontext))


def runner(projection: Projection) -> ProjectionRunner:
    settings = Settings(subject_prefix="sw", consumer_max_attempts=3)
    return ProjectionRunner(settings, projection, "postgresql://unused")


def decide(projection: Projection, msg, last: dict[str, int] | None = None, batch: Batch | None = None):
    batch = batch if batch is not None else Batch()
    last = last if last is not None else {}
    return runner(projection)._decide(CURSOR, msg, last, batch), last, batch


def test_a_new_event_is_applied_acked_and_moves_its_source_on() -> None:
    projection = Recording()
    decision, last, batch = decide(projection, message(document(1), stream_seq=11))
    assert decision.action == "ack"
    assert projection.applied == ["stations-1"]
    assert last[SOURCE] == 1 and batch.reached[SOURCE] == (1, 11)


def test_a_redelivered_event_is_acked_without_applying_it_again() -> None:
    projection = Recording()
    decision, _last, batch = decide(projection, message(document(3)), last={SOURCE: 3})
    assert decision.action == "ack" and projection.applied == [] and batch.reached == {}


def test_an_event_that_overtook_an_earlier_one_waits_for_it_with_a_growing_capped_delay() -> None:
    projection = Recording()
    first, _, _ = decide(projection, message(document(5, prev=4), delivered=1), last={SOURCE: 2})
    later, _, _ = decide(projection, message(document(5, prev=4), delivered=1000), last={SOURCE: 2})
    assert first.action == later.action == "nak"
    assert first.delay < later.delay <= 5.0
    assert projection.applied == []


def test_messages_on_dead_letter_subjects_are_acked_and_ignored() -> None:
    projection = Recording()
    decision, _, _ = decide(projection, message(document(1), subject="sw.dlq.test.recording"))
    assert decision.action == "ack" and projection.applied == []


def test_bytes_that_are_not_json_are_dead_lettered() -> None:
    decision, _, batch = decide(Recording(), message(b"\xff not json"))
    assert decision.action == "dlq" and decision.reason.startswith("not JSON")
    assert batch.reached == {}


def test_json_that_is_not_an_event_document_is_dead_lettered_naming_the_field() -> None:
    decision, _, _ = decide(Recording(), message({"specversion": "1.0", "id": "x"}))
    assert decision.action == "dlq" and "not a valid event document" in decision.reason


def test_an_unknown_event_type_is_dead_lettered_at_once_and_its_source_moves_on() -> None:
    decision, last, _ = decide(Recording(), message(document(1, type="sw.stations.nothing.v1")))
    assert decision.action == "dlq" and "unknown event type" in decision.reason
    assert last[SOURCE] == 1


def test_a_payload_breaking_its_contract_is_dead_lettered_at_once() -> None:
    bad = document(1, data={**PAYLOAD, "population": "many"})
    decision, last, _ = decide(Recording(), message(bad))
    assert decision.action == "dlq" and "payload does not match" in decision.reason and "population" in decision.reason
    assert last[SOURCE] == 1


def test_a_failing_handler_is_retried_before_its_last_attempt() -> None:
    projection = Recording(failure=RuntimeError("boom"))
    decision, last, batch = decide(projection, message(document(1), delivered=2))
    assert decision.action == "nak" and decision.delay == 1.0 and "boom" in decision.reason
    assert last == {} and batch.reached == {}


def test_a_handler_failing_on_its_last_attempt_is_dead_lettered_and_the_source_moves_on() -> None:
    projection = Recording(failure=RuntimeError("boom"))
    decision, last, _ = decide(projection, message(document(1), delivered=3))
    assert decision.action == "dlq" and decision.reason == "failed 3 times: RuntimeError: boom"
    assert last[SOURCE] == 1


def test_a_database_failure_in_a_handler_aborts_the_batch_instead_of_blaming_the_event() -> None:
    projection = Recording(failure=psycopg.OperationalError("server closed the connection"))
    with pytest.raises(psycopg.OperationalError):
        decide(projection, message(document(1), delivered=3))


# --- a halting projection (the audit ledger) -------------------------------------------------------------


def test_a_halting_projection_never_dead_letters_a_failing_handler_however_often_it_fails() -> None:
    projection = Recording(failure=RuntimeError("cannot canonicalise"), halts=True)
    decision, last, batch = decide(projection, message(document(4), delivered=50), last={SOURCE: 3})
    assert decision.action == "nak" and decision.delay == HALT_BACKOFF_MAX
    assert last == {SOURCE: 3} and batch.reached == {}, "the source's position does not move past it"
    halt = batch.halted[SOURCE]
    assert (halt.event_id, halt.sequence) == ("stations-4", 4) and "cannot canonicalise" in halt.reason


def test_a_halting_projection_backs_off_from_half_a_second() -> None:
    projection = Recording(failure=RuntimeError("x"), halts=True)
    delays = [decide(projection, message(document(1), delivered=n))[0].delay for n in (1, 2, 3)]
    assert delays == [0.5, 1.0, 2.0]


def test_a_halting_projection_stops_at_a_payload_breaking_its_contract_or_of_unknown_type() -> None:
    for doc in (document(1, data={**PAYLOAD, "population": "many"}), document(1, type="sw.stations.nothing.v1")):
        decision, last, batch = decide(Recording(halts=True), message(doc, delivered=9))
        assert decision.action == "nak" and last == {}
        assert SOURCE in batch.halted and not batch.halted[SOURCE].reason.startswith("permanent")


def test_a_halting_projection_still_dead_letters_bytes_that_are_no_event_at_all() -> None:
    decision, _, _ = decide(Recording(halts=True), message(b"garbage"))
    assert decision.action == "dlq"


def test_a_halting_projection_holds_the_events_behind_a_halted_one_and_carries_on_with_other_sources() -> None:
    projection = Recording(failure=None, halts=True)
    batch, last = Batch(), {SOURCE: 3}
    projection.failure = RuntimeError("stuck")
    stuck, _, _ = decide(projection, message(document(4)), last, batch)
    projection.failure = None
    behind, _, _ = decide(projection, message(document(5)), last, batch)
    other, _, _ = decide(projection, message(document(1, source="/sw/workforce", id="workforce-1")), last, batch)
    assert [stuck.action, behind.action, other.action] == ["nak", "nak", "ack"]
    assert projection.applied == ["workforce-1"] and last == {SOURCE: 3, "/sw/workforce": 1}


def test_a_halted_source_is_reported_until_the_event_gets_through() -> None:
    projection = Recording(failure=RuntimeError("stuck"), halts=True)
    run = runner(projection)
    failed = Batch()
    run._decide(CURSOR, message(document(1)), {}, failed)
    run._note_halts(failed)
    assert run.halted[SOURCE].event_id == "stations-1"
    projection.failure = None
    passed = Batch()
    run._decide(CURSOR, message(document(1), delivered=2), {}, passed)
    run._note_halts(passed)
    assert run.halted == {}


class RecordingAll(Recording):
    """Like the audit ledger: applies every well-formed event, whatever its type, and sees its stream position."""

    checks_contracts = False

    def __init__(self) -> None:
        super().__init__(halts=True)
        self.positions: list[int | None] = []

    def apply(self, _cur, event) -> None:
        self.applied.append(event.type)
        self.positions.append(event.stream_sequence)


def test_a_projection_that_checks_no_contracts_records_an_event_of_a_type_it_does_not_know() -> None:
    projection = RecordingAll()
    decision, last, _ = decide(projection, message(document(1, type="sw.casework.case.opened.v1"), stream_seq=42))
    assert decision.action == "ack"
    assert projection.applied == ["sw.casework.case.opened.v1"] and projection.positions == [42]
    assert last == {SOURCE: 1}
