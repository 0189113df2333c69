"""Events stored before the domain became a package (topics ``services.workforce.domain:SocialWorker.Hired``) load."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from services.workforce.application import Workforce
from services.workforce.domain import ServiceOrganisation, SocialWorker, WorkforceBaseline
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords

OLD_MODULE = "services.workforce.domain"


def _as_stored_under_the_old_module(app: Workforce) -> list[StoredEvent]:
    """Every event of ``app``, its topics rewritten as the single ``domain`` module named them."""
    stored = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        module, _, qualname = notification.topic.partition(":")
        assert module.startswith(f"{OLD_MODULE}."), notification.topic  # written under the new modules today
        state = notification.state.replace(f'"{module}:'.encode(), f'"{OLD_MODULE}:'.encode())
        stored.append(StoredEvent(originator_id=notification.originator_id,
                                  originator_version=notification.originator_version,
                                  topic=f"{OLD_MODULE}:{qualname}", state=state))
    return stored


def test_aggregates_stored_under_the_old_topics_still_load() -> None:
    writer = ByKeywords(Workforce())
    org = UUID(writer.register_organisation(
        ADMIN, name="旧主题社工中心", unified_social_credit_code=credit_code(1, tag="MJT"), registered_in_county=True,
        registration_place="本县民政局", registered_on=date(2021, 1, 2))["organisation_id"])
    worker = UUID(writer.hire_worker(
        ADMIN, employer_id=org, name="旧主题", national_id_number=national_id(1), phone="13900000001",
        hired_on=date(2021, 1, 3))["worker_id"])
    writer.record_training(HR, worker_id=worker, course="政策", hours=8, completed_on=date(2021, 2, 1))
    writer.enter_baseline(ADMIN, county_code="XX", certified_social_workers=10, professionals=100, year=2020)

    reader = Workforce()
    reader.recorder.insert_events(_as_stored_under_the_old_module(writer))

    loaded = reader.repository.get(worker)
    assert isinstance(loaded, SocialWorker) and loaded.version == 2
    assert (loaded.name, loaded.training_hours, loaded.training_count) == ("旧主题", 8, 1)
    organisation = reader.repository.get(org)
    assert isinstance(organisation, ServiceOrganisation) and organisation.name == "旧主题社工中心"
    baseline = reader.repository.get(Workforce.baseline_id_for("XX"))
    assert isinstance(baseline, WorkforceBaseline) and baseline.certified_social_workers == 10
    record = reader.get_worker(worker)  # the courses, read from the events stored under the old topic
    assert record["training_hours"] == 8
    assert record["training"] == [{"course": "政策", "hours": 8, "completed_on": "2021-02-01"}]
