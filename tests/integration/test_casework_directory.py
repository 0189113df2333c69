"""The casework service learns who works where from workforce events on the real PostgreSQL and NATS: station
assignments and transfers, supervision given and released, contracts held, and leaving — dated, so a record is
checked against the day it names. It never reads the workforce database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from services.casework.read_models import PgDirectory, WorkforceDirectory
from shared import store
from shared.domain import Context
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords
from tests.kit.services import Services
from tests.kit.waiting import run_until

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau")
HR = Context(actor="hr-1", role="hr_social_security", organisation="county-hrss")
EAST, WEST = (uuid5(NAMESPACE_URL, f"urn:integration:casework:{n}") for n in ("east", "west"))


@pytest.fixture
def directory(services: Services) -> Iterator[PgDirectory]:
    """The casework database's directory, as the application asks it."""
    settings = services.settings
    store.ensure_database(settings.database_url, settings.database_name("casework"))
    pool = ConnectionPool(kwargs={**store.conninfo(store.service_url(settings, "casework")), "row_factory": dict_row},
                          min_size=1, max_size=1, open=True)
    yield PgDirectory(pool)
    pool.close()
    store.drop_database(settings.database_url, settings.database_name("casework"))


async def test_assignments_supervision_and_contracts_follow_workforce_events(services: Services, js,
                                                                            directory: PgDirectory) -> None:
    w = ByKeywords(services.workforce)
    org = w.register_organisation(ADMIN, name="康宁社工", unified_social_credit_code=credit_code(7),
                                  registered_in_county=True, registration_place="本县",
                                  registered_on=date(2021, 1, 5))["organisation_id"]
    contract = uuid5(NAMESPACE_URL, "urn:integration:casework:contract")
    w.record_contract(ADMIN, organisation_id=org, contract_id=contract, station_ids=[EAST, WEST], source_seq=1)
    worker, boss = (w.hire_worker(ADMIN, employer_id=org, name=f"社工{n}", national_id_number=national_id(n),
                                  phone=f"1390000000{n}", hired_on=date(2021, 1, 10))["worker_id"] for n in (1, 2))
    w.assign_to_station(ADMIN, worker_id=worker, station_id=EAST, assigned_on=date(2021, 2, 1))
    w.transfer_to_station(ADMIN, worker_id=worker, station_id=WEST, transferred_on=date(2021, 7, 1))
    w.record_certificate(HR, worker_id=boss, level="senior", obtained_on=date(2021, 1, 11), number="GJ-1")
    w.designate_supervisor(ADMIN, worker_id=boss, designated_on=date(2021, 1, 12))
    w.assign_supervision(ADMIN, supervisor_id=boss, station_id=EAST, assigned_on=date(2021, 1, 12))
    w.release_supervision(ADMIN, supervisor_id=boss, station_id=EAST, released_on=date(2021, 12, 31))
    w.leave_workforce(ADMIN, worker_id=worker, left_on=date(2022, 3, 1), reason="辞职")
    await services.publish(js)
    runner = services.runner(WorkforceDirectory(), "casework")
    await run_until(runner, js, lambda: not directory.worker_stations(str(worker), date(2022, 3, 1))
                    and directory.worker_stations(str(worker), date(2022, 2, 28)))

    assert directory.worker_stations(str(worker), date(2021, 1, 31)) == set(), "not before the assignment"
    assert directory.worker_stations(str(worker), date(2021, 6, 30)) == {str(EAST)}
    assert directory.worker_stations(str(worker), date(2021, 7, 1)) == {str(WEST)}, "the transfer moves her"
    assert directory.worker_stations(str(worker), date(2022, 3, 1)) == set(), "leaving ends it"
    assert directory.supervises(str(boss), str(EAST), date(2021, 6, 1))
    assert not directory.supervises(str(boss), str(EAST), date(2021, 12, 31)), "released"
    assert not directory.supervises(str(boss), str(WEST), date(2021, 6, 1))
    assert directory.organisation_stations(str(org)) == {str(EAST), str(WEST)}
    assert directory.organisation_stations(credit_code(7)) == {str(EAST), str(WEST)}, "by credit code too"
    assert directory.organisation_stations(credit_code(7).lower()) == {str(EAST), str(WEST)}, "in any case"
    assert directory.organisation_stations(str(org).upper()) == {str(EAST), str(WEST)}
    assert directory.organisation_stations(str(UUID(int=1))) == set()

    w.record_contract_ended(ADMIN, organisation_id=org, contract_id=contract, source_seq=2)
    await services.publish(js)
    await run_until(runner, js, lambda: directory.organisation_stations(str(org)) == set())
