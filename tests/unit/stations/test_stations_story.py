"""Stories: one station through every state, one contract from signing to termination."""

from __future__ import annotations

from datetime import date

from services.stations.application import Stations
from services.stations.commands import (
    AcceptLedger,
    AmendContract,
    CloseRectificationItem,
    CloseStation,
    CoverVillage,
    Disburse,
    EndVillageCoverage,
    OpenStation,
    ProvideSite,
    PublishDisclosure,
    RecordEvaluation,
    RecordStaffing,
    ReopenStation,
    ReportMisuse,
    ResolveMisuseReport,
    ResubmitLedger,
    ReturnLedger,
    SignContract,
    SubmitLedger,
    SuspendStation,
    TerminateContract,
)
from services.stations.seed import load_seed
from shared.domain import Context
from tests.kit.actors import ADMIN, CONTRACTOR, EVALUATOR, SYSTEM
from tests.unit.stations.terms import contract_terms


def test_a_station_goes_through_every_state() -> None:
    app = Stations()
    # The bureau loads the county plan; T03 (柳溪乡) is a batch-1 township, due by the end of 2021.
    load_seed(app, ADMIN)
    station_id = app.station_id_for("T03")
    station = app.get_station(station_id)
    assert (station["status"], station["batch"], station["deadline"]) == ("planned", 1, "2021-12-31")

    # The township gives the station an office and furniture.
    township = Context(actor="t03-clerk", role="township", townships=("T03",))
    station = app.provide_site(
        township, station_id, ProvideSite(
            office_area_m2=80,
            facilities=["办公桌", "电脑", "档案柜"],
            on=date(2021, 4, 1),
        ),
    )
    assert station["status"] == "site_provided"
    assert station["site"]["facilities"] == sorted(["办公桌", "电脑", "档案柜"])

    # The bureau signs a contract with a social work organisation: the station gets its contractor.
    contract = app.sign_contract(ADMIN, SignContract(**contract_terms([station_id])))
    station = app.get_station(station_id)
    assert station["status"] == "contractor_assigned"
    assert station["contract_id"] == contract["id"]
    assert station["organisation_id"] == "org-1"

    # The workforce service reports one worker, then two: the station is staffed.
    station = app.record_staffing(
        SYSTEM, station_id, RecordStaffing(
            headcount=1,
            as_of=date(2021, 5, 1),
            source_seq=1,
        ),
    )
    assert station["status"] == "contractor_assigned"
    station = app.record_staffing(
        SYSTEM, station_id, RecordStaffing(
            headcount=2,
            as_of=date(2021, 5, 9),
            source_seq=2,
        ),
    )
    assert station["status"] == "staffed"

    # A redelivered message changes nothing.
    again = app.record_staffing(SYSTEM, station_id, RecordStaffing(headcount=1, as_of=date(2021, 5, 1), source_seq=1))
    assert again["applied"] is False and again["headcount"] == 2 and again["version"] == station["version"]

    # The station opens, and starts serving two of its villages.
    station = app.open_station(ADMIN, station_id, OpenStation(on=date(2021, 6, 1)))
    assert (station["status"], station["opened_on"]) == ("opened", "2021-06-01")
    app.cover_village(ADMIN, station_id, CoverVillage(village_code="T03-01", start=date(2021, 6, 1)))
    station = app.cover_village(ADMIN, station_id, CoverVillage(village_code="T03-02", start=date(2021, 6, 1)))
    assert station["villages_covered"] == ["T03-01", "T03-02"]

    # A worker leaves: the open station is now under-staffed, and that is recorded.
    station = app.record_staffing(
        SYSTEM, station_id, RecordStaffing(
            headcount=1,
            as_of=date(2021, 8, 1),
            source_seq=3,
        ),
    )
    assert (station["status"], station["understaffed"]) == ("opened", True)

    # The bureau suspends the station; a replacement is hired; the station reopens.
    station = app.suspend_station(ADMIN, station_id, SuspendStation(reason="驻站社工不足", on=date(2021, 8, 2)))
    assert (station["status"], station["suspension_reason"]) == ("suspended", "驻站社工不足")
    app.record_staffing(SYSTEM, station_id, RecordStaffing(headcount=2, as_of=date(2021, 8, 20), source_seq=4))
    station = app.reopen_station(ADMIN, station_id, ReopenStation(on=date(2021, 8, 21)))
    assert (station["status"], station["understaffed"]) == ("opened", False)

    # One village is handed over; then the station closes for good.
    station = app.end_village_coverage(ADMIN, station_id, "T03-02", EndVillageCoverage(end=date(2022, 1, 1)))
    assert station["villages_covered"] == ["T03-01"]
    station = app.close_station(ADMIN, station_id, CloseStation(reason="乡镇区划调整", on=date(2023, 12, 31)))
    assert (station["status"], station["closed_on"], station["closure_reason"]) == (
        "closed",
        "2023-12-31",
        "乡镇区划调整",
    )
    # Every step is in the station's history, with its date and actor.
    events = [t["event"] for t in station["transitions"]]
    assert events == [
        "site_provided",
        "contractor_assigned",
        "staffing_recorded",
        "staffing_recorded",
        "opened",
        "staffing_recorded",
        "suspended",
        "staffing_recorded",
        "reopened",
        "closed",
    ]


def test_a_contract_is_signed_paid_amended_and_terminated() -> None:
    app = Stations()
    load_seed(app, ADMIN)
    t01, t02, t04 = (app.station_id_for(code) for code in ("T01", "T02", "T04"))
    for code, station_id in (("T01", t01), ("T02", t02), ("T04", t04)):
        township = Context(actor=f"{code}-clerk", role="township", townships=(code,))
        app.provide_site(
            township, station_id, ProvideSite(
                office_area_m2=100,
                facilities=["desk"],
                on=date(2021, 3, 1),
            ),
        )

    # The bureau signs a 300 000 yuan contract covering T01 and T02, 30 000 yuan of it for supervision.
    contract = app.sign_contract(ADMIN, SignContract(**contract_terms([t01, t02])))
    contract_id = app.contract_id_for("XXMZ-2021-001")
    assert contract["id"] == str(contract_id)
    assert (contract["status"], contract["amount_fen"], contract["supervision_fen"]) == (
        "signed",
        30_000_000,
        3_000_000,
    )
    assert {app.get_station(s)["contract_id"] for s in (t01, t02)} == {str(contract_id)}

    # Two instalments are paid.
    app.disburse(
        ADMIN, contract_id, Disburse(
            amount_fen=15_000_000,
            paid_on=date(2021, 4, 15),
            reference="拨付-2021-01",
        ),
    )
    contract = app.disburse(
        ADMIN, contract_id, Disburse(
            amount_fen=10_000_000,
            paid_on=date(2021, 10, 15),
            reference="拨付-2021-02",
        ),
    )
    assert (contract["disbursed_fen"], contract["remaining_fen"]) == (25_000_000, 5_000_000)

    # The contract is amended: more money, a later end, T04 instead of T02.
    contract = app.amend_contract(
        ADMIN, contract_id, AmendContract(
            reason="增加河口镇社工站",
            amended_on=date(2021, 11, 1),
            amount_fen=40_000_000,
            period_end=date(2022, 6, 30),
            station_ids=[t01, t04],
            payment_schedule=[
            {"due_on": date(2021, 4, 15), "amount_fen": 15_000_000},
            {"due_on": date(2021, 10, 15), "amount_fen": 10_000_000},
            {"due_on": date(2022, 1, 15), "amount_fen": 15_000_000},
        ],
        ),
    )
    assert (contract["amount_fen"], contract["period_end"]) == (40_000_000, "2022-06-30")
    assert contract["amendments"][0]["stations_added"] == [str(t04)]
    assert contract["amendments"][0]["stations_removed"] == [str(t02)]
    assert app.get_station(t04)["contract_id"] == str(contract_id)
    assert app.get_station(t02)["contract_id"] is None
    assert app.get_station(t02)["status"] == "site_provided"

    # The contractor discloses its progress for a covered station.
    disclosure = app.publish_disclosure(
        CONTRACTOR, PublishDisclosure(
            contract_id=contract_id,
            station_id=t01,
            kind="progress",
            title="2021年第三季度工作进展",
            content="开展个案服务120次",
            disclosed_on=date(2021, 10, 10),
        ),
    )
    assert app.get_disclosure(disclosure["id"])["kind"] == "progress"

    # The contract is terminated: its stations are released, and it takes no more payments.
    contract = app.terminate_contract(ADMIN, contract_id, TerminateContract(reason="承接机构违约", on=date(2022, 2, 1)))
    assert (contract["status"], contract["terminated_on"]) == ("terminated", "2022-02-01")
    assert app.get_station(t01)["contract_id"] is None
    assert app.get_station(t04)["contract_id"] is None


def test_a_ledger_is_returned_resubmitted_and_accepted(app: Stations, staffed) -> None:
    # The contractor submits Q2 2021 in time.
    ledger = app.submit_ledger(
        CONTRACTOR, staffed, SubmitLedger(
            year=2021,
            quarter=2,
            services_delivered=40,
            people_served=35,
            activities=3,
            staffing=2,
            spending_fen=6_000_000,
            submitted_on=date(2021, 7, 10),
        ),
    )
    assert (ledger["status"], ledger["due_on"], ledger["late"]) == ("submitted", "2021-07-15", False)
    assert ledger["id"] == str(app.ledger_id_for(staffed, 2021, 2))
    # The bureau returns it: activities lack records.
    ledger = app.return_ledger(ADMIN, ledger["id"], ReturnLedger(reasons=["活动缺少记录"], on=date(2021, 7, 12)))
    assert ledger["status"] == "returned"
    # The contractor resubmits (late now), and the bureau accepts.
    ledger = app.resubmit_ledger(
        CONTRACTOR, ledger["id"], ResubmitLedger(
            services_delivered=40,
            people_served=35,
            activities=2,
            staffing=2,
            spending_fen=6_000_000,
            submitted_on=date(2021, 7, 20),
        ),
    )
    assert (ledger["status"], ledger["late"], ledger["figures"]["activities"]) == ("submitted", True, 2)
    ledger = app.accept_ledger(ADMIN, ledger["id"], AcceptLedger(on=date(2021, 7, 25)))
    assert (ledger["status"], ledger["accepted_on"]) == ("accepted", "2021-07-25")
    assert [r["outcome"] for r in app.get_ledger(ledger["id"])["reviews"]] == ["returned", "accepted"]


def test_an_evaluation_and_a_misuse_report_are_closed(app: Stations, opened) -> None:
    # The evaluator scores the station and asks for two rectifications.
    evaluation = app.record_evaluation(
        EVALUATOR, RecordEvaluation(
            station_id=opened,
            evaluated_on=date(2021, 12, 1),
            score=82,
            findings=["档案不全"],
            rectification_items=[
            {"description": "补齐服务档案", "due_on": date(2022, 1, 31)},
            {"item_id": "R-x", "description": "公示服务时间", "due_on": date(2021, 12, 31)},
        ],
        ),
    )
    assert evaluation["open_items"] == 2
    assert [i["item_id"] for i in evaluation["rectification_items"]] == ["R1", "R-x"]
    # Both items are closed with evidence.
    app.close_rectification_item(
        EVALUATOR, evaluation["id"], "R1", CloseRectificationItem(
            evidence="档案照片",
            closed_on=date(2022, 1, 20),
        ),
    )
    evaluation = app.close_rectification_item(
        ADMIN, evaluation["id"], "R-x", CloseRectificationItem(
            evidence="公示栏照片",
            closed_on=date(2021, 12, 20),
        ),
    )
    assert app.get_evaluation(evaluation["id"])["open_items"] == 0

    # A social worker reports being used as township staff; the bureau resolves it.
    from tests.kit.actors import WORKER

    report = app.report_misuse(
        WORKER, ReportMisuse(
            station_id=opened,
            worker_id="worker-7",
            description="被安排做乡镇值班",
            observed_on=date(2022, 3, 1),
        ),
    )
    assert (report["status"], report["township_code"]) == ("open", "T01")
    report = app.resolve_misuse_report(
        ADMIN, report["id"], ResolveMisuseReport(
            resolution="已约谈乡镇",
            on=date(2022, 3, 5),
        ),
    )
    assert app.get_misuse_report(report["id"])["status"] == "resolved"
