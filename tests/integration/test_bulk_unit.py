"""Bulk units on the real store: commands run in ``app.bulk()`` record exactly what they record one by one, a refused
command leaves nothing, a batch that cannot be written is lost whole, and the relay publishes a batch in order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from benchmarks.load import CountyYear, Writer
from services.workforce.application import EnrolInsurance, HireWorker, RecordTraining, Workforce
from services.workforce.domain import SocialWorker
from shared import store
from shared.bulk import BulkNotSaved
from shared.domain import RuleViolated
from shared.settings import Settings
from tests.kit.actors import ADMIN, HR
from tests.kit.infra import documents, read_subject
from tests.kit.services import Services

STEPS = 90  # two organisations and the first workers' years: hiring, certificates, contracts, insurance, pay, training


@pytest.fixture
def second(iso: Settings) -> Iterator[Workforce]:
    """Another workforce store (same keys) to run the same commands one by one."""
    other = iso.model_copy(update={"database_prefix": f"{iso.database_prefix}one_"})
    store.ensure_database(other.database_url, other.database_name("workforce"))
    app = Workforce(env=store.eventsourcing_env(other, "workforce", encrypt=True))
    yield app
    app.close()
    store.drop_database(other.database_url, other.database_name("workforce"))


def run_script(app: Workforce) -> Writer:
    """The same commands every time: generated county steps, then a command retried with its key."""
    writer = Writer(app)
    for step in itertools.islice(CountyYear(seed=3, counties=1).steps(), STEPS):
        writer.apply(step)
    worker = next(iter(writer.workers.values()))
    for _ in range(2):
        app.record_training(HR, worker, RecordTraining(course="复训", hours=3, completed_on=date(2021, 9, 1)),
                            idempotency_key="training-retried")
    return writer


def recorded(app: Workforce) -> list[tuple[str, dict[str, Any]]]:
    """Every stored event in store order, decrypted: its type and its state (all but the time it was made)."""
    out = []
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        out.append((type(event).__qualname__, {k: v for k, v in vars(event).items() if k != "timestamp"}))
    return out


def head(app: Workforce) -> int:
    return int(app.recorder.max_notification_id() or 0)


def test_a_bulk_unit_records_the_same_events_as_the_commands_run_one_by_one(
        services: Services, second: Workforce) -> None:
    run_script(second)
    with services.workforce.bulk(flush_every=25) as unit:
        run_script(services.workforce)
    one_by_one, bulk = recorded(second), recorded(services.workforce)
    assert len(bulk) > STEPS and unit.flushes > 1 and unit.saved_events == len(bulk)
    assert bulk == one_by_one
    stored_raw = bytes(services.rows("workforce", "SELECT state FROM workforce_events LIMIT 1")[0]["state"])
    assert b"worker" not in stored_raw.lower(), "events written in bulk are encrypted as ever"


def test_a_worker_changed_many_times_in_a_unit_loads_with_every_change_and_snapshots(services: Services) -> None:
    app = services.workforce
    with app.bulk(flush_every=1000):
        writer = run_script(app)
        worker_id = next(iter(writer.workers.values()))
        for i in range(60):
            training = RecordTraining(course=f"培训{i}", hours=2, completed_on=date(2021, 6, 1))
            app.record_training(HR, worker_id, training)
        collected = app.load(SocialWorker, worker_id)
        assert head(app) == 0, "nothing is written before the unit flushes"
    stored = app.load(SocialWorker, worker_id)
    assert stored.version == collected.version > 60
    versions = [r["originator_version"] for r in services.rows(
        "workforce", "SELECT originator_version FROM workforce_events WHERE originator_id = %s ORDER BY 1", worker_id)]
    assert versions == list(range(1, stored.version + 1))
    snapshots = services.rows("workforce", "SELECT originator_version FROM workforce_snapshots")
    assert [r["originator_version"] for r in snapshots] == [50]


def test_a_command_refused_inside_the_unit_leaves_nothing_and_the_others_are_saved(
        services: Services, second: Workforce) -> None:
    app = services.workforce
    run_script(second)
    with app.bulk(flush_every=1000):
        writer = run_script(app)
        worker_id = next(iter(writer.workers.values()))
        version = app.load(SocialWorker, worker_id).version
        with pytest.raises(RuleViolated):  # pension is new, medical was enrolled: the first event is made, then refused
            app.enrol_insurance(ADMIN, worker_id, EnrolInsurance(items=["medical", "pension"], enrolled_on=date(2021, 5,
                                                                                                                1)))
        with pytest.raises(RuleViolated):  # hired earlier in this same unit
            app.hire_worker(ADMIN, HireWorker(employer_id=writer.organisations[0], name="重复",
                                              national_id_number=_national_id_of(writer, app), phone="13900000000",
                                              hired_on=date(2021, 3, 1)))
        assert app.load(SocialWorker, worker_id).version == version
    assert recorded(app) == recorded(second)


def _national_id_of(writer: Writer, app: Workforce) -> str:
    """The national id number of the writer's first worker (the generator's numbering)."""
    from benchmarks.load import national_id

    number = national_id(next(iter(writer.workers)))
    assert app.worker_id_for(number) == next(iter(writer.workers.values()))
    return number


def test_a_batch_that_cannot_be_written_is_lost_whole_and_earlier_batches_stay(
        services: Services, iso: Settings) -> None:
    app = services.workforce
    until = date(2026, 11, 30)
    script = list(CountyYear(seed=3, counties=1, until=until).steps())
    second_hire = [i for i, step in enumerate(script) if step.kind == "hire"][1]
    size = second_hire + 3  # the first batch hires the second worker; the next one changes it
    other = Workforce(env=store.eventsourcing_env(iso, "workforce", encrypt=True))
    try:
        with pytest.raises(BulkNotSaved) as refused, app.bulk(flush_every=size) as unit:
            writer = Writer(app)
            steps = iter(script)
            for step in itertools.islice(steps, size):
                writer.apply(step)  # the last of these flushes the first batch
            flushed = head(app)
            worker_id = list(writer.workers.values())[-1]
            for step in itertools.islice(steps, size - 1):
                writer.apply(step)
            # Meanwhile another writer changes a worker this batch changes too: the batch's version is taken.
            other.record_training(HR, worker_id, RecordTraining(course="外部", hours=1, completed_on=until))
            writer.apply(next(steps))
    finally:
        other.close()
    assert any(step.target == script[second_hire].target for step in script[size:2 * size - 1])
    assert unit.flushes == 1 and unit.saved_events == flushed
    assert refused.value.commands == size and refused.value.events > size
    assert head(app) == flushed + 1, "the first batch and the other writer's event; nothing of the lost batch"


def test_an_exception_leaving_the_block_discards_the_unwritten_batch(services: Services) -> None:
    app = services.workforce
    with pytest.raises(KeyError) as raised, app.bulk(flush_every=1000):
        run_script(app)
        raise KeyError("stop")
    assert head(app) == 0
    assert any("were not saved" in note for note in raised.value.__notes__)
    run_script(app)  # the same commands again, one by one: none of them was recorded
    assert head(app) > STEPS


async def test_the_relay_publishes_a_batch_in_store_order(services: Services, iso: Settings, js) -> None:
    app = services.workforce
    with app.bulk(flush_every=30):
        run_script(app)
    await services.publish(js)
    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.workforce.>"))
    published = [n.id for n in app.recorder.select_notifications(start=1, limit=100_000)
                 if "IdempotencyRecord" not in n.topic]  # the record of a command's key is kept, not published
    assert [d["sequence"] for d in docs] == published
    assert [d["prevsequence"] for d in docs] == [0, *published[:-1]]
    by_aggregate: dict[str, list[int]] = {}
    for d in docs:
        by_aggregate.setdefault(d["aggregateid"], []).append(d["aggregateversion"])
    assert all(v == list(range(1, len(v) + 1)) for v in by_aggregate.values())
