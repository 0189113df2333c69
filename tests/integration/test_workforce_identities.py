"""The roster's masked identities come from the store's hiring and phone events in one query, not from replaying
each worker: they must still be the current values, masked, whatever else the worker's history holds."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import psycopg
import pytest

from services.workforce.application import ChangePhone, HireWorker, RecordPay, RecordTraining, Workforce
from services.workforce.application.queries import IDENTITY_EVENTS, TRAINING_EVENTS
from services.workforce.main import SPEC as WORKFORCE
from shared import store
from shared.domain import NotFound
from shared.settings import Settings
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords
from tests.kit.services import Services


def hire(services: Services, organisation: UUID, seq: int, phone: str) -> UUID:
    result = services.workforce.hire_worker(ADMIN, HireWorker(
        employer_id=organisation, name=f"社工{seq}", national_id_number=national_id(seq), phone=phone,
        hired_on=date(2021, 2, 1)))
    return UUID(result["worker_id"])


def test_masked_identities_are_the_current_values_masked(services: Services) -> None:
    app = services.workforce
    organisation = UUID(ByKeywords(app).register_organisation(
        ADMIN, name="机构一", unified_social_credit_code=credit_code(41), registered_in_county=True,
        registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])
    first = hire(services, organisation, 41, "13900001111")
    second = hire(services, organisation, 42, "13900002222")
    app.change_phone(ADMIN, first, ChangePhone(phone="13712345678"))
    for month in range(2, 6):
        app.record_pay(ADMIN, first, RecordPay(period=f"2021-{month:02d}", gross_fen=300_000,
                                               paid_on=date(2021, month + 1, 10)))
    app.record_training(HR, second, RecordTraining(course="入职培训", hours=8, completed_on=date(2021, 3, 1)))
    app.change_phone(ADMIN, first, ChangePhone(phone="13612349999"))

    masked = app.masked_identities([str(first), str(second)])

    assert masked == {
        str(first): {"national_id_number": national_id(41)[:3] + "*" * 11 + national_id(41)[-4:],
                     "phone": "136****9999"},
        str(second): {"national_id_number": national_id(42)[:3] + "*" * 11 + national_id(42)[-4:],
                      "phone": "139****2222"},
    }
    assert app.masked_identities([]) == {}
    with pytest.raises(NotFound):
        app.masked_identities([str(uuid4())])


def test_a_page_of_identities_reads_only_identity_events_however_long_the_histories(iso: Settings) -> None:
    """A service start provisions an index of only the hiring and phone events, and the query of a page of masked
    identities reads through it, not through every event of each worker (the store's own index); likewise an index
    of only the training events, which a worker's record reads its courses through."""
    store.ensure_database(iso.database_url, iso.database_name("workforce"))
    try:
        WORKFORCE.provision(iso)
        WORKFORCE.provision(iso)  # idempotent: every start runs it
        app = Workforce(env=store.eventsourcing_env(iso, "workforce", encrypt=True, runtime=True))
        try:
            organisation = UUID(ByKeywords(app).register_organisation(
                ADMIN, name="机构二", unified_social_credit_code=credit_code(51), registered_in_county=True,
                registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])
            workers = [UUID(app.hire_worker(ADMIN, HireWorker(
                employer_id=organisation, name=f"社工{n}", national_id_number=national_id(51 + n),
                phone=f"1390000{n:04d}", hired_on=date(2021, 2, 1)))["worker_id"]) for n in range(3)]
            for n, worker in enumerate(workers):
                for month in range(2, 12):
                    app.record_pay(ADMIN, worker, RecordPay(period=f"2021-{month:02d}", gross_fen=300_000,
                                                            paid_on=date(2021, month + 1, 10)))
                assert app.masked_identities([str(worker)])[str(worker)]["phone"] == f"139****{n:04d}"
            first_course = RecordTraining(course="入职培训", hours=8, completed_on=date(2021, 3, 1))
            app.record_training(HR, workers[0], first_course)
            assert [c["course"] for c in app.get_worker(workers[0])["training"]] == ["入职培训"]
        finally:
            app.close()
        with psycopg.connect(store.service_url(iso, "workforce"), autocommit=True) as conn:
            conn.execute("SET enable_seqscan = off")  # a table this small would be scanned whole either way
            query = f"SELECT originator_id FROM workforce_events WHERE originator_id = ANY(%s) AND {IDENTITY_EVENTS}"
            plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {query}", (workers,)).fetchall())
            assert "workforce_events_identities" in plan, plan
            query = ("SELECT state FROM workforce_events WHERE originator_id = ANY(%s) AND originator_version <= %s "
                     f"AND {TRAINING_EVENTS}")
            plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {query}", (workers[:1], 20)).fetchall())
            assert "workforce_events_training" in plan, plan
    finally:
        store.drop_database(iso.database_url, iso.database_name("workforce"))
        store.drop_roles(iso)


def test_identities_and_courses_stored_under_the_topics_of_before_the_domain_became_a_package_are_read(
    services: Services,
) -> None:
    """Events stored before the domain became a package name ``services.workforce.domain:SocialWorker.Hired``: the
    masked identities and a worker's courses, read from some stored events only, find them too."""
    app = services.workforce
    organisation = UUID(ByKeywords(app).register_organisation(
        ADMIN, name="机构三", unified_social_credit_code=credit_code(61), registered_in_county=True,
        registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])
    worker = hire(services, organisation, 61, "13900003333")
    app.change_phone(ADMIN, worker, ChangePhone(phone="13712340000"))
    app.record_training(HR, worker, RecordTraining(course="入职培训", hours=8, completed_on=date(2021, 3, 1)))
    with psycopg.connect(store.service_url(services.settings, "workforce"), autocommit=True) as conn:
        moved = conn.execute(
            "UPDATE workforce_events SET topic = replace(topic, 'services.workforce.domain.worker:', "
            "'services.workforce.domain:') WHERE originator_id = %s", (worker,)).rowcount
    assert moved == 3, "hired, phone changed, training completed: stored as the earlier code stored them"

    assert app.masked_identities([str(worker)])[str(worker)]["phone"] == "137****0000"
    record = app.get_worker(worker)
    assert (record["training_hours"], [c["course"] for c in record["training"]]) == (8, ["入职培训"])
