"""A worker's state holds training as totals, whatever its history: snapshots stored when it held every course still
load (their list becomes the totals), and the courses stay in the stored events, unchanged."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from services.workforce.application import Workforce
from services.workforce.domain import SocialWorker
from shared.domain import Context
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords

COURSES = [("社会救助政策", 16, date(2021, 5, 20)), ("个案管理", 6, date(2021, 9, 2)), ("督导", 3, date(2022, 1, 8))]


def hired(app: ByKeywords, n: int) -> UUID:
    org = UUID(app.register_organisation(
        ADMIN, name=f"状态社工中心{n}", unified_social_credit_code=credit_code(n, tag="MJW"), registered_in_county=True,
        registration_place="本县民政局", registered_on=date(2021, 1, 2))["organisation_id"])
    return UUID(app.hire_worker(ADMIN, employer_id=org, name="周敏", national_id_number=national_id(n),
                                phone="13900000001", hired_on=date(2021, 1, 3))["worker_id"])


def test_a_worker_keeps_the_totals_of_its_training_not_the_courses() -> None:
    ctx = Context(actor="hr-1", role="hr_social_security", organisation="county")
    worker = SocialWorker(id=UUID(int=7), name="周敏", national_id_number=national_id(1), phone="13900000001",
                          employer_id=UUID(int=1), hired_on=date(2021, 1, 3), ctx=ctx)
    assert (worker.training_hours, worker.training_count) == (0, 0)
    for course, hours, on in COURSES:
        worker.complete_training(course, hours, on, ctx)
    assert (worker.training_hours, worker.training_count) == (25, 3)
    assert "training" not in vars(worker)
    state = {k: v for k, v in vars(worker).items() if k != "_pending_events"}  # the events to save hold them
    assert all(course not in repr(state) for course, _, _ in COURSES)


def test_a_command_answers_the_totals_and_the_record_lists_the_courses_at_its_version() -> None:
    app = ByKeywords(Workforce())
    worker_id = hired(app, 4)
    answers = [app.record_training(HR, worker_id=worker_id, course=c, hours=h, completed_on=on) for c, h, on in COURSES]
    assert [(a["training_hours"], a["training_count"], a["training"]) for a in answers] == [
        (16, 1, None), (22, 2, None), (25, 3, None)]
    paid = app.record_pay(ADMIN, worker_id=worker_id, period="2021-06", gross_fen=300_000, paid_on=date(2021, 6, 30))
    record = app.get_worker(worker_id)
    assert record["training"] == [{"course": c, "hours": h, "completed_on": on.isoformat()} for c, h, on in COURSES]
    assert {**record, "training": None} == paid  # the same record at the same version, without the courses


def old_snapshot(worker: SocialWorker) -> Snapshot:
    """The snapshot the worker's class at version 1 took: its attributes with every course in ``training``, no
    totals and no ``class_version``."""
    state: dict[str, Any] = {k: v for k, v in vars(worker).items()
                             if k not in ("_id", "_version", "_pending_events", "training_hours", "training_count")}
    state["training"] = [{"course": c, "hours": h, "completed_on": on} for c, h, on in COURSES]
    return Snapshot(originator_id=worker.id, originator_version=worker.version,  # type: ignore[call-arg]
                    timestamp=Snapshot.create_timestamp(), topic=get_topic(SocialWorker), state=state)


def test_a_snapshot_stored_with_the_list_of_courses_loads_as_totals() -> None:
    writer = ByKeywords(Workforce())
    worker_id = hired(writer, 1)
    for course, hours, on in COURSES:
        writer.record_training(HR, worker_id=worker_id, course=course, hours=hours, completed_on=on)
    at_snapshot = writer.load(SocialWorker, worker_id)
    writer.record_training(HR, worker_id=worker_id, course="伦理", hours=4, completed_on=date(2022, 3, 1))

    reader = ByKeywords(Workforce())
    assert reader.snapshots is not None
    reader.snapshots.put([old_snapshot(at_snapshot)])
    stored = reader.snapshots.recorder.select_events(worker_id)
    assert len(stored) == 1 and b"class_version" not in stored[0].state and b'"training":[' in stored[0].state
    later = [e for e in writer.recorder.select_events(worker_id) if e.originator_version > at_snapshot.version]
    reader.recorder.insert_events(later)  # only the events after the snapshot: the load must start from it

    loaded = reader.load(SocialWorker, worker_id)
    assert loaded.version == at_snapshot.version + 1
    assert (loaded.training_hours, loaded.training_count) == (29, 4)
    assert "training" not in vars(loaded) and loaded.name == "周敏"
    assert {k: v for k, v in vars(loaded).items() if k != "_pending_events"} == {
        k: v for k, v in vars(writer.load(SocialWorker, worker_id)).items() if k != "_pending_events"}


def test_a_new_snapshot_carries_the_totals_and_its_class_version_and_loads() -> None:
    app = ByKeywords(Workforce())
    worker_id = hired(app, 2)
    for i in range(60):
        app.record_training(HR, worker_id=worker_id, course=f"培训{i}", hours=2, completed_on=date(2021, 6, 1))
    assert app.snapshots is not None
    [stored] = app.snapshots.recorder.select_events(worker_id)
    state = json.loads(stored.state)["state"]
    assert stored.originator_version == 50  # hired, then 49 courses
    assert (state["class_version"], state["training_hours"], state["training_count"]) == (2, 98, 49)
    assert "training" not in state
    loaded = app.load(SocialWorker, worker_id)
    assert (loaded.version, loaded.training_hours, loaded.training_count) == (61, 120, 60)


def test_the_stored_events_do_not_change() -> None:
    """The aggregate's class version is its snapshots' state; its events keep version 1 and their fields."""
    assert all(getattr(cls, "class_version", 1) == 1 for cls in (SocialWorker.Hired, SocialWorker.TrainingCompleted))
    app = ByKeywords(Workforce())
    worker_id = hired(app, 3)
    app.record_training(HR, worker_id=worker_id, course="政策", hours=8, completed_on=date(2021, 2, 1))
    [*_, training] = app.recorder.select_events(worker_id)
    state = json.loads(training.state)
    assert training.topic == get_topic(SocialWorker.TrainingCompleted) and "class_version" not in state
    assert (state["course"], state["hours"]) == ("政策", 8)
