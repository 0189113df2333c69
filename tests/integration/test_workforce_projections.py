"""Workforce projections on the real PostgreSQL and NATS, fed by the real relays of both services.

- contracts signed, amended and terminated in the stations service become the organisation's contracts
  (idempotently, also for an organisation that registers after its contract was signed);
- the household-registered population follows the county plan and its dated amendments;
- the roster rebuilt from the stream equals the live one, and a redelivered batch changes nothing;
- the targets count only certified workers as professionals and say which figures are official.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.stations.application import Stations
from services.stations.commands import (
    AmendContract,
    AmendTownshipPopulation,
    ProvideSite,
    SignContract,
    TerminateContract,
)
from services.stations.seed import TOWNSHIPS, load_seed
from services.workforce.application import Workforce, policy_from
from services.workforce.policies import ContractsHeld
from services.workforce.read_models import Roster, Targets, population_as_of, targets, workers_as_of
from shared import store
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords
from tests.kit.services import Services
from tests.kit.waiting import run_until

T01, T02, T03 = (Stations.station_id_for(code) for code in ("T01", "T02", "T03"))


LEFT_WORKERS = "SELECT count(*) AS n FROM roster_worker WHERE left_on IS NOT NULL"


def contract_terms(organisation_ref: str, station_ids: list[UUID], number: str) -> dict[str, Any]:
    return {
        "contract_number": number, "organisation_id": organisation_ref, "organisation_name": "阳光社工",
        "station_ids": station_ids, "period_start": date(2021, 4, 1), "period_end": date(2022, 3, 31),
        "amount_fen": 30_000_000, "supervision_fen": 3_000_000, "budget_year": 2021, "budget_line": "2080299",
        "payment_schedule": [{"due_on": date(2021, 4, 15), "amount_fen": 30_000_000}],
        "signed_on": date(2021, 3, 20),
    }


def register(app: Workforce, seq: int) -> UUID:
    return UUID(ByKeywords(app).register_organisation(
        ADMIN, name=f"机构{seq}", unified_social_credit_code=credit_code(seq), registered_in_county=True,
        registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])


async def test_stations_contract_events_become_the_organisations_contracts(services: Services, js) -> None:
    load_seed(services.stations, ADMIN)
    for station in (T01, T02, T03):
        services.stations.provide_site(
            ADMIN, station, ProvideSite(
                office_area_m2=100.0,
                facilities=["desk"],
                on=date(2021, 3, 1),
            ),
        )
    org = register(services.workforce, 1)
    terms = SignContract(**contract_terms(str(org), [T01, T02], "HT-1"))
    contract = services.stations.sign_contract(ADMIN, terms)["id"]
    # A contract naming an organisation by credit code before it registered here waits for it.
    late = services.stations.sign_contract(ADMIN, SignContract(**contract_terms(credit_code(2), [T03], "HT-2")))["id"]
    await services.publish(js)
    held = ContractsHeld(services.workforce)
    await run_until(services.runner(held, "workforce"), js,
                    lambda: services.workforce.get_organisation(org)["contracts"] == {contract: sorted_ids(T01, T02)})

    # Amending the contract to T01 only, then terminating it, follows it on the organisation.
    services.stations.amend_contract(
        ADMIN, UUID(contract), AmendContract(
            reason="缩减",
            amended_on=date(2021, 6, 1),
            station_ids=[T01],
        ),
    )
    await services.publish(js)
    await run_until(services.runner(held, "workforce"), js,
                    lambda: services.workforce.get_organisation(org)["stations"] == [str(T01)])
    services.stations.terminate_contract(ADMIN, UUID(contract), TerminateContract(reason="到期", on=date(2021, 9, 30)))
    await services.publish(js)
    await run_until(services.runner(held, "workforce"), js,
                    lambda: services.workforce.get_organisation(org)["contracts"] == {})

    # The late organisation registers: its waiting contract is recorded then.
    late_org = register(services.workforce, 2)
    await services.publish(js)
    await run_until(services.runner(held, "workforce"), js,
                    lambda: services.workforce.get_organisation(late_org)["stations"] == [str(T03)])

    # Rebuilding the projection replays every stations event: the commands are idempotent, nothing changes.
    versions = (services.workforce.get_organisation(org)["version"],
                services.workforce.get_organisation(late_org)["version"])
    before = services.rows("workforce", "SELECT * FROM contracts_held ORDER BY contract_id")
    runner = services.runner(held, "workforce")
    await runner.reset(js)
    query = "SELECT * FROM contracts_held ORDER BY contract_id"
    await run_until(runner, js, lambda: services.rows("workforce", query) == before)
    assert services.rows("workforce", "SELECT * FROM contracts_held ORDER BY contract_id") == before
    assert (services.workforce.get_organisation(org)["version"],
            services.workforce.get_organisation(late_org)["version"]) == versions
    assert {str(r["contract_id"]) for r in before} == {contract, late}


def sorted_ids(*ids: UUID) -> list[str]:
    return [str(i) for i in ids]


async def test_the_population_follows_the_county_plan_and_its_dated_amendments(services: Services, js) -> None:
    load_seed(services.stations, ADMIN)
    t01 = next(t for t in TOWNSHIPS if t["code"] == "T01")
    services.stations.amend_township_population(
        ADMIN, "XX", "T01", AmendTownshipPopulation(
            population=t01["population"] + 1000,
            effective_on=date(2022, 1, 1),
        ),
    )
    await services.publish(js)
    total = sum(t["population"] for t in TOWNSHIPS)

    def population(on: date) -> int:
        with store.connect(store.service_url(services.settings, "workforce")) as conn:
            return population_as_of(conn, "XX", on)["population"]

    await run_until(services.runner(Targets(), "workforce"), js, lambda: population(date(2022, 1, 1)) == total + 1000)
    assert population(date(2021, 12, 31)) == total
    assert population(date(2020, 1, 1)) == total, "before the plan's figure, the plan's figure is the best known"


async def test_the_rebuilt_roster_equals_the_live_one(services: Services, js) -> None:
    app = ByKeywords(services.workforce)
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
        return {t: services.rows("workforce", f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}

    runner = services.runner(Roster(), "workforce")
    await run_until(runner, js, lambda: services.rows("workforce", LEFT_WORKERS)[0]["n"] == 1)
    live = snapshot()
    with store.connect(store.service_url(services.settings, "workforce")) as conn:
        july = {w["name"]: w["station_id"] for w in workers_as_of(conn, date(2021, 7, 1))}
        june = {w["name"]: w["station_id"] for w in workers_as_of(conn, date(2021, 6, 30))}
        after = {w["name"] for w in workers_as_of(conn, date(2021, 9, 1))}
    assert june == {"社工0": str(T01), "社工1": str(T02), "社工2": str(T03)}
    assert july == {"社工0": str(T02), "社工1": str(T02), "社工2": str(T01)}
    assert after == {"社工0", "社工1"}

    await runner.reset(js)
    await run_until(runner, js, lambda: services.rows("workforce", LEFT_WORKERS)[0]["n"] == 1)
    assert snapshot() == live


async def test_targets_count_certified_professionals_and_name_official_and_roster_figures(services: Services,
                                                                                          js) -> None:
    load_seed(services.stations, ADMIN)
    app = ByKeywords(services.workforce)
    app.enter_baseline(ADMIN, county_code="XX", certified_social_workers=1, professionals=2)
    app.record_yearly_figures(ADMIN, county_code="XX", year=2021, certified_social_workers=3, professionals=5)
    org = register(app, 4)
    for n in range(2):
        worker = UUID(app.hire_worker(ADMIN, employer_id=org, name=f"专业{n}", national_id_number=national_id(10 + n),
                                      phone=f"1370000000{n}", hired_on=date(2022, 2, 1))["worker_id"])
        if n == 0:  # only the first holds a certificate: the second is a worker, not a professional
            app.record_certificate(HR, worker_id=worker, level="assistant", obtained_on=date(2022, 3, 1),
                                   number="P-0")
    await services.publish(js)
    roster, figures = services.runner(Roster(), "workforce"), services.runner(Targets(), "workforce")
    await run_until(roster, js, lambda: len(services.rows("workforce", "SELECT * FROM roster_certificate")) == 1)
    await run_until(figures, js, lambda: services.rows("workforce", "SELECT * FROM targets_yearly"))

    with store.connect(store.service_url(services.settings, "workforce")) as conn:
        report = targets(conn, "XX", date(2022, 6, 30), policy_from(services.settings))
    assert report["figures"]["professionals"] == {"count": 1, "source": "roster as of 2022-06-30", "official": False}
    assert report["figures"]["certified_by_year"]["2021"] == {"count": 3, "source": "recorded", "official": True}
    assert report["official_figures"] == ["baseline", "certified_by_year.2021"]
    assert report["roster_figures"] == ["certified_by_year.2022", "professionals"]
