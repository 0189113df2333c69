"""Snapshots of long workers: a worker recorded before snapshots existed still loads from its events, a snapshot is
taken at each multiple of the interval (encrypted like the events), and loading from it gives the same worker."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import get_topic

from services.workforce.application import (
    SNAPSHOT_EVERY,
    ChangePhone,
    EnrolInsurance,
    HireWorker,
    RecordCertificate,
    RecordPay,
    RecordTraining,
    SignLabourContract,
    Workforce,
)
from services.workforce.application.views import worker_view
from services.workforce.domain import SocialWorker
from shared import store
from shared.settings import Settings
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords
from tests.kit.services import Services


class EventsOnly(Workforce):
    """The application as it was before snapshots: every load replays every event (same store, same tables)."""

    name = "Workforce"
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {}


def long_worker(app: Workforce, events: int) -> UUID:
    """A worker with every kind of state a snapshot must carry, then training records up to ``events`` events."""
    organisation = UUID(ByKeywords(app).register_organisation(
        ADMIN, name="机构一", unified_social_credit_code=credit_code(51), registered_in_county=True,
        registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])
    worker = UUID(app.hire_worker(ADMIN, HireWorker(
        employer_id=organisation, name="王芳", national_id_number=national_id(51), phone="13900005151",
        hired_on=date(2021, 1, 10)))["worker_id"])
    app.record_certificate(HR, worker, RecordCertificate(level="assistant", obtained_on=date(2020, 10, 1),
                                                         number="ZS-51"))
    app.sign_labour_contract(ADMIN, worker, SignLabourContract(starts_on=date(2021, 1, 10), ends_on=date(2024, 1, 9)))
    app.enrol_insurance(ADMIN, worker, EnrolInsurance(items=["pension", "medical"], enrolled_on=date(2021, 2, 1)))
    for month in range(1, 13):
        app.record_pay(ADMIN, worker, RecordPay(period=f"2021-{month:02d}", gross_fen=300_000 + month,
                                                paid_on=date(2021, month, 28)))
    app.change_phone(ADMIN, worker, ChangePhone(phone="13700005151"))
    version = app.load(SocialWorker, worker).version
    for i in range(events - version):
        app.record_training(HR, worker, RecordTraining(course=f"培训{i}", hours=2, completed_on=date(2021, 6, 1)))
    return worker


def snapshot_versions(iso: Settings) -> list[int]:
    with store.connect(store.service_url(iso, "workforce")) as conn:
        rows = conn.execute("SELECT originator_version, state FROM workforce_snapshots ORDER BY 1").fetchall()
    assert all(national_id(51).encode() not in bytes(r["state"]) for r in rows), "snapshots are encrypted"
    return [r["originator_version"] for r in rows]


def test_a_worker_recorded_before_snapshots_loads_and_then_snapshots_load_the_same(
        services: Services, iso: Settings) -> None:
    env = store.eventsourcing_env(iso, "workforce", encrypt=True)
    before = EventsOnly(env=env)
    try:
        worker = long_worker(before, 2 * SNAPSHOT_EVERY + 7)
    finally:
        before.close()
    assert snapshot_versions(iso) == []

    app = services.workforce
    assert worker_view(app.load(SocialWorker, worker), True) == worker_view(
        EventsOnly(env=env).load(SocialWorker, worker), True)  # no snapshot yet: from its events

    for i in range(SNAPSHOT_EVERY):
        app.record_training(HR, worker, RecordTraining(course=f"进阶{i}", hours=3, completed_on=date(2021, 9, 1)))
    assert snapshot_versions(iso) == [3 * SNAPSHOT_EVERY]

    replayed, fresh = EventsOnly(env=env), Workforce(env=env)
    try:
        expected, loaded = replayed.load(SocialWorker, worker), fresh.load(SocialWorker, worker)
        assert loaded.version == expected.version == 3 * SNAPSHOT_EVERY + 7
        assert worker_view(loaded, True) == worker_view(expected, True)
        assert vars(loaded) == vars(expected)
    finally:
        replayed.close()
        fresh.close()


def test_a_snapshot_stored_with_every_course_loads_as_totals_and_the_record_still_lists_the_courses(
        services: Services, iso: Settings) -> None:
    """A snapshot the worker's state version 1 wrote (every course in ``training``, encrypted) loads as version 2's
    totals; the record read on GET lists the courses from the events, a command answers the totals only."""
    env = store.eventsourcing_env(iso, "workforce", encrypt=True)
    before = EventsOnly(env=env)
    try:
        worker = long_worker(before, SNAPSHOT_EVERY + 3)
        at = before.load(SocialWorker, worker)
        courses = [{"course": e.course, "hours": e.hours, "completed_on": e.completed_on}
                   for e in before.repository.event_store.get(worker) if isinstance(e, SocialWorker.TrainingCompleted)]
        state = {k: v for k, v in vars(at).items()
                 if k not in ("_id", "_version", "_pending_events", "training_hours", "training_count")}
        assert before.snapshots is None
    finally:
        before.close()
    app = services.workforce
    assert app.snapshots is not None
    app.snapshots.put([Snapshot(originator_id=worker, originator_version=at.version,  # type: ignore[call-arg]
                                timestamp=Snapshot.create_timestamp(), topic=get_topic(SocialWorker),
                                state={**state, "training": courses})])
    assert snapshot_versions(iso) == [at.version]

    answer = app.record_training(HR, worker, RecordTraining(course="伦理", hours=5, completed_on=date(2021, 10, 1)))
    assert (answer["version"], answer["training"]) == (at.version + 1, None)
    assert (answer["training_count"], answer["training_hours"]) == (
        len(courses) + 1, sum(c["hours"] for c in courses) + 5)

    record = app.view_worker(HR, worker)
    assert record["version"] == answer["version"] and {**record, "training": None} == answer
    assert [c["course"] for c in record["training"]] == [c["course"] for c in courses] + ["伦理"]
    assert sum(c["hours"] for c in record["training"]) == record["training_hours"]
