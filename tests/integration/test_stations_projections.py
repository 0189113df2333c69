"""Stations read models and the staffing policy on the real PostgreSQL and NATS, fed by the real relays.

- workforce assignments become station headcounts through the staffing policy (also for a station planned
  after its workers were assigned), and the station advances to "staffed" on the second worker;
- the station-status view shows the workers and the supervisor by name, and answers county status as of a date;
- rebuilding each read model gives the same tables, and replaying the policy changes no station.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.stations.application import Stations
from services.stations.commands import (
    Disburse,
    ProvideSite,
    SignContract,
)
from services.stations.policies import StaffingPolicy
from services.stations.read_models import Registers, StationStatusView
from services.stations.read_models.station_queries import county_status, get_station_status
from services.stations.seed import load_seed
from services.workforce.application import Workforce
from services.workforce.domain import credit_code_check_char
from shared import store
from tests.kit.actors import ADMIN, HR
from tests.kit.ids import national_id
from tests.kit.keywords import ByKeywords
from tests.kit.services import Services
from tests.kit.waiting import run_until

T01, T02 = (Stations.station_id_for(code) for code in ("T01", "T02"))


def view(services: Services, station_id: UUID) -> dict[str, Any] | None:
    """A station's row of the station-status view."""
    with store.connect(store.service_url(services.settings, "stations")) as conn:
        return get_station_status(conn, str(station_id))


def hire(app: Workforce, org: UUID, n: int, name: str) -> UUID:
    return UUID(app.hire_worker(ADMIN, employer_id=org, name=name, national_id_number=national_id(n, born="19910101"),
                                phone=f"1390000000{n}", hired_on=date(2021, 2, 1))["worker_id"])


async def test_workforce_assignments_staff_stations_through_the_policy(services: Services, js) -> None:
    wf = ByKeywords(services.workforce)
    credit = "52522700MJP000001"
    org = UUID(wf.register_organisation(
        ADMIN, name="阳光社工", unified_social_credit_code=credit + credit_code_check_char(credit),
        registered_in_county=True, registration_place="本县", registered_on=date(2021, 1, 5))["organisation_id"])
    li, wang, zhao = hire(wf, org, 1, "李娜"), hire(wf, org, 2, "王强"), hire(wf, org, 3, "赵敏")
    # 李娜 is assigned to T01 before the stations service has even planned it.
    wf.assign_to_station(ADMIN, worker_id=li, station_id=T01, assigned_on=date(2021, 3, 1))
    await services.publish(js)
    policy = services.runner(StaffingPolicy(services.stations), "stations")
    await run_until(policy, js, lambda: services.rows("stations", "SELECT * FROM staffing_station"))
    assert not services.stations.exists(T01)

    # The county plan and its stations arrive; T01 gets its headcount when its StationPlanned event is consumed.
    load_seed(services.stations, ADMIN)
    services.stations.provide_site(
        ADMIN, T01, ProvideSite(
            office_area_m2=80.0,
            facilities=["desk"],
            on=date(2021, 3, 2),
        ),
    )
    services.stations.sign_contract(
        ADMIN, SignContract(
            contract_number="HT-P1",
            organisation_id=str(org),
            organisation_name="阳光社工",
            station_ids=[T01],
            period_start=date(2021, 4, 1),
            period_end=date(2022, 3, 31),
            amount_fen=1_000_000,
            supervision_fen=0,
            budget_year=2021,
            budget_line="2080299",
            payment_schedule=[{"due_on": date(2021, 4, 15),
                                                                    "amount_fen": 1_000_000}],
            signed_on=date(2021, 3, 20),
        ),
    )
    await services.publish(js)
    await run_until(policy, js, lambda: services.stations.get_station(T01)["headcount"] == 1)
    assert services.stations.get_station(T01)["status"] == "contractor_assigned"

    # 王强 joins T01: two workers, the minimum, so the station is staffed; 赵敏 goes to T02, then moves to T01.
    wf.assign_to_station(ADMIN, worker_id=wang, station_id=T01, assigned_on=date(2021, 4, 2))
    wf.assign_to_station(ADMIN, worker_id=zhao, station_id=T02, assigned_on=date(2021, 4, 3))
    wf.transfer_to_station(ADMIN, worker_id=zhao, station_id=T01, transferred_on=date(2021, 5, 1))
    wf.record_certificate(HR, worker_id=zhao, level="senior", obtained_on=date(2021, 1, 1), number="S-1")
    wf.designate_supervisor(ADMIN, worker_id=zhao, designated_on=date(2021, 5, 2))
    wf.assign_supervision(ADMIN, supervisor_id=zhao, station_id=T02, assigned_on=date(2021, 5, 3))
    await services.publish(js)
    await run_until(policy, js, lambda: services.stations.get_station(T01)["headcount"] == 3
                    and services.stations.get_station(T02)["last_source_seq"] is not None)
    assert services.stations.get_station(T01)["status"] == "staffed"
    assert services.stations.get_station(T02)["headcount"] == 0

    # 李娜 leaves: T01 is down to two.
    wf.leave_workforce(ADMIN, worker_id=li, left_on=date(2021, 6, 30), reason="离职")
    await services.publish(js)
    await run_until(policy, js, lambda: services.stations.get_station(T01)["headcount"] == 2)

    # Replaying the policy from the start calls record_staffing again for every event: nothing changes.
    versions = {s: services.stations.get_station(s)["version"] for s in (T01, T02)}
    before = services.rows("stations", "SELECT * FROM staffing_station ORDER BY station_id")
    await policy.reset(js)
    query = "SELECT * FROM staffing_station ORDER BY station_id"
    await run_until(policy, js, lambda: services.rows("stations", query) == before)
    assert {s: services.stations.get_station(s)["version"] for s in (T01, T02)} == versions

    # The station-status view: workers by name, the supervisor, the state and its dated history.
    await services.publish(js)  # the StaffingRecorded events the policy caused
    status = services.runner(StationStatusView(), "stations")
    await run_until(status, js, lambda: (v := view(services, T01)) is not None and v["headcount"] == 2
                    and v["workers_assigned"] == 2)
    t01, t02 = view(services, T01), view(services, T02)
    assert t01 is not None and t02 is not None
    assert (t01["status"], t01["organisation_name"]) == ("staffed", "阳光社工")
    assert sorted(w["name"] for w in t01["workers"]) == ["王强", "赵敏"]
    assert t02["supervisor"]["name"] == "赵敏" and t02["workers"] == []
    assert [h["status"] for h in t01["history"]] == ["planned", "site_provided", "contractor_assigned", "staffed"]
    with store.connect(store.service_url(services.settings, "stations")) as conn:
        county = county_status(conn, "XX", date(2022, 1, 1))
    assert [(b["batch"], b["target"], b["planned"], b["opened"], b["behind_schedule"]) for b in county["batches"]] \
        == [(1, 5, 5, 0, True), (2, 6, 6, 0, False)]

    # Rebuilding the view gives the same tables.
    snapshot = {t: services.rows("stations", f"SELECT * FROM {t} ORDER BY 1, 2") for t in StationStatusView.tables}
    await status.reset(js)
    await run_until(status, js, lambda: {t: services.rows("stations", f"SELECT * FROM {t} ORDER BY 1, 2")
                                         for t in StationStatusView.tables} == snapshot)


async def test_the_registers_list_contracts_and_rebuild_the_same(services: Services, js) -> None:
    load_seed(services.stations, ADMIN)
    services.stations.provide_site(
        ADMIN, T02, ProvideSite(
            office_area_m2=60.0,
            facilities=["desk"],
            on=date(2021, 3, 2),
        ),
    )
    contract = services.stations.sign_contract(
        ADMIN, SignContract(
            contract_number="HT-R1",
            organisation_id="org-r",
            organisation_name="和美社工",
            station_ids=[T02],
            period_start=date(2021, 4, 1),
            period_end=date(2022, 3, 31),
            amount_fen=900_000,
            supervision_fen=90_000,
            budget_year=2021,
            budget_line="2080299",
            payment_schedule=[{"due_on": date(2021, 4, 15), "amount_fen": 450_000},
                          {"due_on": date(2021, 10, 15), "amount_fen": 450_000}],
            signed_on=date(2021, 3, 20),
        ),
    )["id"]
    services.stations.disburse(
        ADMIN, UUID(contract), Disburse(
            amount_fen=450_000,
            paid_on=date(2021, 4, 16),
            reference="BF-1",
        ),
    )
    await services.publish(js)
    registers = services.runner(Registers(), "stations")
    await run_until(registers, js, lambda: services.rows("stations", "SELECT disbursed_fen FROM register_contract")
                    == [{"disbursed_fen": 450_000}])
    before = services.rows("stations", "SELECT * FROM register_contract")
    await registers.reset(js)
    await run_until(registers, js, lambda: services.rows("stations", "SELECT * FROM register_contract") == before)
