"""Every stations domain event is published under a contract whose fields the event carries."""

from __future__ import annotations

import inspect
from datetime import date

from eventsourcing.domain import Aggregate

from services.stations.application import Stations
from services.stations.commands import (
    AcceptLedger,
    AddTownship,
    AddVillage,
    AmendContract,
    AmendTownshipPopulation,
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
from services.stations.domain import ALL_AGGREGATES
from services.stations.published import PUBLISHED
from services.stations.seed import load_seed
from shared.contracts import contract_for
from tests.kit.actors import ADMIN, CONTRACTOR, EVALUATOR, SYSTEM, WORKER
from tests.unit.stations.terms import contract_terms

BASES = {"Event", "Created"}


def domain_events() -> list[type]:
    """Every event class of every stations aggregate."""
    return [
        value
        for cls in ALL_AGGREGATES
        for name, value in vars(cls).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event) and name not in BASES
    ]


def test_every_domain_event_is_published() -> None:
    missing = [e.__qualname__ for e in domain_events() if e not in PUBLISHED]
    assert not missing, f"events without a contract: {missing}"
    assert len(set(PUBLISHED.values())) == len(PUBLISHED), "two events share one contract"


def test_every_contract_field_is_an_event_attribute() -> None:
    for event_class, contract in PUBLISHED.items():
        attributes = set(inspect.signature(event_class.__init__).parameters)
        unknown = set(contract.model_fields) - attributes
        assert not unknown, f"{contract.__name__} declares {unknown}, not on {event_class.__qualname__}"


def test_contracts_are_registered_under_stations_subjects() -> None:
    for contract in PUBLISHED.values():
        assert contract.subject().startswith("sw.stations.")
        assert contract_for(contract.event_type()) is contract


def test_misuse_reports_publish_no_free_text() -> None:
    from shared.contracts.stations import MisuseReportOpened

    assert "description" not in MisuseReportOpened.model_fields


def test_every_stored_event_builds_its_payload() -> None:
    app = Stations()
    load_seed(app, ADMIN)
    t01, t02 = app.station_id_for("T01"), app.station_id_for("T02")
    # Touch every event type once.
    app.amend_township_population(
        ADMIN, "XX", "T01", AmendTownshipPopulation(
            population=1,
            effective_on=date(2022, 1, 1),
        ),
    )
    app.add_village(ADMIN, "XX", "T01", AddVillage(village_code="T01-99", name="新村", kind="village"))
    app.add_township(
        ADMIN, "XX", AddTownship(
            code="T12",
            name="新设乡",
            kind="township",
            population=9000,
            batch=2,
            villages=[{"code": "T12-01", "name": "新设村", "kind": "village"}],
        ),
    )
    for station_id in (t01, t02):
        app.provide_site(
            ADMIN, station_id, ProvideSite(
                office_area_m2=50.5,
                facilities=["desk"],
                on=date(2021, 3, 1),
            ),
        )
    contract = app.sign_contract(ADMIN, SignContract(**contract_terms([t01])))
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 5, 1), source_seq=1))
    app.open_station(ADMIN, t01, OpenStation(on=date(2021, 6, 1)))
    app.suspend_station(ADMIN, t01, SuspendStation(reason="r", on=date(2021, 6, 2)))
    app.reopen_station(ADMIN, t01, ReopenStation(on=date(2021, 6, 3)))
    app.cover_village(ADMIN, t01, CoverVillage(village_code="T01-01", start=date(2021, 6, 3)))
    app.end_village_coverage(ADMIN, t01, "T01-01", EndVillageCoverage(end=date(2021, 6, 4)))
    app.disburse(ADMIN, contract["id"], Disburse(amount_fen=5, paid_on=date(2021, 6, 1), reference="P1"))
    ledger = app.submit_ledger(
        CONTRACTOR, t01, SubmitLedger(
            year=2021,
            quarter=2,
            services_delivered=1,
            people_served=1,
            activities=1,
            staffing=2,
            spending_fen=1,
            submitted_on=date(2021, 7, 1),
        ),
    )
    app.return_ledger(ADMIN, ledger["id"], ReturnLedger(reasons=["x"], on=date(2021, 7, 2)))
    app.resubmit_ledger(
        CONTRACTOR, ledger["id"], ResubmitLedger(
            services_delivered=1,
            people_served=1,
            activities=1,
            staffing=2,
            spending_fen=1,
            submitted_on=date(2021, 7, 3),
        ),
    )
    app.accept_ledger(ADMIN, ledger["id"], AcceptLedger(on=date(2021, 7, 4)))
    app.publish_disclosure(
        CONTRACTOR, PublishDisclosure(
            contract_id=contract["id"],
            kind="progress",
            title="t",
            content="c",
            disclosed_on=date(2021, 7, 1),
        ),
    )
    evaluation = app.record_evaluation(
        EVALUATOR, RecordEvaluation(
            station_id=t01,
            evaluated_on=date(2021, 7, 1),
            score=90,
            findings=[],
            rectification_items=[{"description": "d", "due_on": date(2021, 8, 1)}],
        ),
    )
    app.close_rectification_item(
        EVALUATOR, evaluation["id"], "R1", CloseRectificationItem(
            evidence="e",
            closed_on=date(2021, 7, 20),
        ),
    )
    report = app.report_misuse(
        WORKER, ReportMisuse(
            station_id=t01,
            worker_id="w",
            description="d",
            observed_on=date(2021, 7, 1),
        ),
    )
    app.resolve_misuse_report(ADMIN, report["id"], ResolveMisuseReport(resolution="r", on=date(2021, 7, 2)))
    app.amend_contract(
        ADMIN, contract["id"], AmendContract(
            reason="r",
            amended_on=date(2021, 8, 1),
            station_ids=[t01, t02],
        ),
    )
    app.terminate_contract(ADMIN, contract["id"], TerminateContract(reason="r", on=date(2021, 9, 1)))
    app.close_station(ADMIN, t01, CloseStation(reason="r", on=date(2021, 9, 2)))

    seen = set()
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        if type(event).__qualname__.startswith("IdempotencyRecord"):
            continue
        payload = PUBLISHED[type(event)].from_event(vars(event))
        payload.model_dump(mode="json")
        seen.add(type(event))
    assert seen == set(domain_events())
