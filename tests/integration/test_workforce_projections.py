"""Workforce projections on the real PostgreSQL and NATS, fed by the real relays of both services.

- contracts signed, amended and terminated in the stations service become the organisation's contracts
  (idempotently, also for an organisation that registers after its contract was signed);
- the household-registered population follows the county plan and its dated amendments;
- the roster rebuilt from the stream equals the live one, and a redelivered batch changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.stations.application import Stations
from services.stations.published import PUBLISHED as STATIONS_PUBLISHED
from services.stations.seed import TOWNSHIPS, load_seed
from services.workforce.application import Workforce
from services.workforce.domain import credit_code_check_char, national_id_check_char
from services.workforce.projections import ContractsHeld, Roster, Targets, population_as_of, workers_as_of
from services.workforce.published import PUBLISHED as WORKFORCE_PUBLISHED
from shared import store
from shared.domain import Context
from shared.projection import Projection, ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.support import eventually_async

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau")
HR = Context(actor="hr-1", role="hr_social_security", organisation="county-hrss")
T01, T02, T03 = (Stations.station_id_for(code) for code in ("T01", "T02", "T03"))


def credit_code(seq: int) -> str:
    first17 = f"52522700MJK{seq:06d}"
    return first17 + credit_code_check_char(first17)


def national_id(seq: int) -> str:
    first17 = f"52270119900101{seq:03d}"
    return first17 + national_id_check_char(first17)


@dataclass
class Services:
    """Both applications on their own databases, and a way to publish what they stored."""

    settings: Settings
    stations: Stations
    workforce: Workforce

    async def publish(self, js) -> None:
        """Relays every stored event of both services to the stream."""
        for name, app, published in (("stations", self.stations, STATIONS_PUBLISHED),
                                     ("workforce", self.workforce, WORKFORCE_PUBLISHED)):
            relay = Relay(self.settings, name, app, published, store.service_url(self.settings, name))
            relay.position = relay.load_position()
            while await relay.step(js):
                pass

    def runner(self, projection: Projection) -> ProjectionRunner:
        return ProjectionRunner(self.settings, projection, store.service_url(self.settings, "workforce"))

    def rows(self, sql: str) -> list[dict[str, Any]]:
        with store.connect(store.service_url(self.settings, "workforce")) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def services(iso: Settings) -> Iterator[Services]:
    for name in ("stations", "workforce"):
        store.ensure_database(iso.database_url, iso.database_name(name))
    stations = Stations(env=store.eventsourcing_env(iso, "stations"))
    workforce = Workforce(env=store.eventsourcing_env(iso, "workforce", encrypt=True))
    yield Services(iso, stations, workforce)
    stations.close()
    workforce.close()
    for name in ("stations", "workforce"):
        store.drop_database(iso.database_url, iso.database_name(name))


async def run_until(runner: ProjectionRunner, js, done) -> None:
    """Runs a projection until ``done()`` is true."""
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    try:
        await eventually_async(lambda: asyncio.to_thread(done), timeout=30)
    finally:
        stop.set()
        await task


def contract_terms(organisation_ref: str, station_ids: list[UUID], number: str) -> dict[str, Any]:
    return {
        "contract_number": number, "organisation_id": organisation_ref, "organisation_name": "阳光社工",
        "station_ids": station_ids, "period_start": date(2021, 4, 1), "period_end": date(2022, 3, 31),
        "amount_fen": 30_000_000, "supervision_fen": 3_000_000, "budget_year": 2021, "budget_line": "2080299",
        "payment_schedule": [{"due_on": date(2021, 4, 15), "amount_fen": 30_000_000}],
        "signed_on": date(2021, 3, 20),
    }


def register(app: Workforce, seq: int) -> UUID:
    return UUID(app.register_organisation(
        ADMIN, name=f"机构{seq}", unified_social_credit_code=credit_code(seq), registered_in_county=True,
        registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])


async def test_stations_contract_events_become_the_organisations_contracts(services: Services, js) -> None:
    load_seed(services.stations, ADMIN)
    for station in (T01, T02, T03):
        services.stations.provide_site(ADMIN, station_id=station, office_area_m2=100.0, facilities=["desk"],
                                       on=date(2021, 3, 1))
    org = register(services.workforce, 1)
    contract = services.stations.sign_contract(ADMIN, **contract_terms(str(org), [T01, T02], "HT-1"))["id"]
    # A contract naming an organisation by credit code before it registered here waits for it.
    late = services.stations.sign_contract(ADMIN, **contract_terms(credit_code(2), [T03], "HT-2"))["id"]
    await services.publish(js)
    held = ContractsHeld(services.workforce)
    await run_until(services.runner(held), js,
                    lambda: services.workforce.get_organisation(org)["contracts"] == {contract: sorted_ids(T01, T02)})

    # Amending the contract to T01 only, then terminating it, follows it on the organisation.
    services.stations.amend_contract(ADMIN, contract_id=UUID(contract), reason="缩减", amended_on=date(2021, 6, 1),
                                     station_ids=[T01])
    await services.publish(js)
    await run_until(services.runner(held), js,
                    lambda: services.workforce.get_organisation(org)["stations"] == [str(T01)])
    services.stations.terminate_contract(ADMIN, contract_id=UUID(contract), reason="到期", on=date(2021, 9, 30))
    await services.publish(js)
    await run_until(services.runner(held), js, lambda: services.workforce.get_organisation(org)["contracts"] == {})

    # The late organisation registers: its waiting contract is recorded then.
    late_org = register(services.workforce, 2)
    await services.publish(js)
    await run_until(services.runner(held), js,
                    lambda: services.workforce.get_organisation(late_org)["stations"] == [str(T03)])

    # Rebuilding the projection replays every stations event: the commands are idempotent, nothing changes.
    versions = (services.workforce.get_organisation(org)["version"],
                services.workforce.get_organisation(late_org)["version"])
    before = services.rows("SELECT * FROM contracts_held ORDER BY contract_id")
    runner = services.runner(held)
    await runner.reset(js)
    await run_until(runner, js, lambda: services.rows("SELECT * FROM contracts_held ORDER BY contract_id") == before)
    assert services.rows("SELECT * FROM contracts_held ORDER BY contract_id") == before
    assert (services.workforce.get_organisation(org)["version"],
            services.workforce.get_organisation(late_org)["version"]) == versions
    assert {str(r["contract_id"]) for r in before} == {contract, late}


def sorted_ids(*ids: UUID) -> list[str]:
    return [str(i) for i in ids]


async def test_the_population_follows_the_county_plan_and_its_dated_amendments(services: Services, js) -> None:
    load_seed(services.stations, ADMIN)
    t01 = next(t for t in TOWNSHIPS if t["code"] == "T01")
    services.stations.amend_township_population(ADMIN, county_code="XX", township_code="T01",
                                                population=t01["population"] + 1000, effective_on=date(2022, 1, 1))
    await services.publish(js)
    total = sum(t["population"] for t in TOWNSHIPS)

    def population(on: date) -> int:
        with store.connect(store.service_url(services.settings, "workforce")) as conn:
            return population_as_of(conn, "XX", on)["population"]

    await run_until(services.runner(Targets()), js, lambda: population(date(2022, 1, 1)) == total + 1000)
    assert population(date(2021, 12, 31)) == total
    assert population(date(2020, 1, 1)) == total, "before the plan's figure, the plan's figure is the best known"


async def test_the_rebuilt_roster_equals_the_live_one(services: Services, js) -> None:
    app = services.workforce
    org = register(app, 3)
    for n, (station, moved) in enumerate(((T01, T02), (T02, None), (T03, T01))):
        worker = UUID(app.hire_worker(ADMIN, employer_id=org, name=f"社工{n}", national_id_number=national_id(n),
                                      phone=f"1380000000{n}", hired_on=date(2021, 2, 1))["worker_id"])
        app.record_certificate(HR, worker_id=worker, level="assistant", obtained_on=date(2021, 3, n + 1),
                               number=f"Z-{n}")
        app.assign_to_station(ADMIN, worker_id=worker, station_id=station, assigned_on=date(2021, 2, 2))
        app.record_pay(ADMIN, worker_id=worker, period="2021-02", gross_fen=300_000 + n, paid_on=date(2021, 3, 5))
        if moved:
            app.transfer_to_station(ADMIN, worker_id=worker, station_id=moved, transferred_on=date(2021, 7, 1))
    app.leave_workforce(ADMIN, worker_id=worker, left_on=date(2021, 9, 1), reason="离职")
    await services.publish(js)

    tables = Roster.tables

    def snapshot() -> dict[str, list[dict[str, Any]]]:
        return {t: services.rows(f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}

    runner = services.runner(Roster())
    await run_until(runner, js, lambda: services.rows("SELECT count(*) AS n FROM roster_worker WHERE left_on "
                                                      "IS NOT NULL")[0]["n"] == 1)
    live = snapshot()
    with store.connect(store.service_url(services.settings, "workforce")) as conn:
        july = {w["name"]: w["station_id"] for w in workers_as_of(conn, date(2021, 7, 1))}
        june = {w["name"]: w["station_id"] for w in workers_as_of(conn, date(2021, 6, 30))}
        after = {w["name"] for w in workers_as_of(conn, date(2021, 9, 1))}
    assert june == {"社工0": str(T01), "社工1": str(T02), "社工2": str(T03)}
    assert july == {"社工0": str(T02), "社工1": str(T02), "社工2": str(T01)}
    assert after == {"社工0", "社工1"}

    await runner.reset(js)
    await run_until(runner, js, lambda: services.rows("SELECT count(*) AS n FROM roster_worker WHERE left_on "
                                                      "IS NOT NULL")[0]["n"] == 1)
    assert snapshot() == live
