"""Every rule of the stations service refuses the command, names itself, and stores nothing."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

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
    EstablishCountyPlan,
    OpenStation,
    PlanStation,
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
from services.stations.domain import Policy
from services.stations.seed import load_seed
from shared.domain import Context, Forbidden, Invalid, NotFound, RuleViolated, StaleVersion
from tests.kit.actors import ADMIN, AUDITOR, CONTRACTOR, EVALUATOR, OTHER_CONTRACTOR, SYSTEM, TOWNSHIP_T01, WORKER
from tests.kit.problems import field_of
from tests.unit.stations.terms import contract_terms

D = date(2021, 6, 1)


def site(app: Stations, code: str) -> UUID:
    """Provides the site of township ``code``'s station."""
    station_id = app.station_id_for(code)
    clerk = Context(actor=f"{code}-clerk", role="township", townships=(code,))
    app.provide_site(clerk, station_id, ProvideSite(office_area_m2=60, facilities=["desk"], on=date(2021, 3, 1)))
    return station_id


# --- county plan ---------------------------------------------------------------------------------


def test_unknown_township_is_invalid_when_planning_a_station(app, refused) -> None:
    with refused(Invalid, field="township_code"):
        app.plan_station(ADMIN, "XX", PlanStation(township_code="T99"))
    with pytest.raises(Invalid):
        app.township("XX", "T99")
    assert app.township("XX", "T08")["deadline"] == "2022-12-31"


def test_establishing_the_same_plan_again_changes_nothing(app, refused) -> None:
    from services.stations import seed

    before = app.recorder.max_notification_id()
    plan = app.establish_county_plan(
        ADMIN, "XX", EstablishCountyPlan(
            county_name="XX县",
            period_start_year=2021,
            period_end_year=2023,
            batches=seed.BATCHES,
            townships=seed.TOWNSHIPS,
        ),
    )
    assert plan["version"] == 1 and app.recorder.max_notification_id() == before


def test_cannot_establish_a_different_plan_for_the_same_county(app, refused) -> None:
    from services.stations import seed

    with refused(RuleViolated, rule="county_plan.establish.already_established"):
        app.establish_county_plan(
            ADMIN, "XX", EstablishCountyPlan(
                county_name="另一个县",
                period_start_year=2021,
                period_end_year=2023,
                batches=seed.BATCHES,
                townships=seed.TOWNSHIPS,
            ),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_end_year": 2020}, "period_end_year"),
        ({"batches": [{"batch": 1, "deadline": date(2021, 12, 31)}] * 2}, "batches"),
        (
            {"townships": [{"code": "A", "name": "甲镇", "kind": "city", "population": 1, "batch": 1}]},
            "townships",
        ),
        (
            {"townships": [{"code": "A", "name": "甲镇", "kind": "town", "population": -1, "batch": 1}]},
            "townships",
        ),
        (
            {"townships": [{"code": "A", "name": "甲镇", "kind": "town", "population": 1, "batch": 3}]},
            "townships",
        ),
    ],
)
def test_a_plan_with_bad_reference_data_is_invalid(change, field) -> None:
    app = Stations()
    terms = {
        "county_name": "YY县",
        "period_start_year": 2021,
        "period_end_year": 2023,
        "batches": [{"batch": 1, "deadline": date(2021, 12, 31)}],
        "townships": [{"code": "A", "name": "甲镇", "kind": "town", "population": 1000, "batch": 1}],
    } | change
    with pytest.raises((Invalid, ValidationError)) as caught:
        app.establish_county_plan(ADMIN, "YY", EstablishCountyPlan(**terms))
    assert field_of(caught.value) == field
    assert app.recorder.max_notification_id() is None or app.recorder.max_notification_id() == 0


def test_population_amendments_keep_history_and_must_move_forward(app, refused) -> None:
    plan = app.amend_township_population(
        ADMIN, "XX", "T01", AmendTownshipPopulation(
            population=87000,
            effective_on=date(2021, 12, 31),
        ),
    )
    township = next(t for t in plan["townships"] if t["code"] == "T01")
    assert township["population"] == 87000
    assert township["population_history"] == [
        {"population": 86420, "effective_on": "2020-12-31"},
        {"population": 87000, "effective_on": "2021-12-31"},
    ]
    with refused(RuleViolated, rule="county_plan.population.not_after_last"):
        app.amend_township_population(
            ADMIN, "XX", "T01", AmendTownshipPopulation(
                population=86000,
                effective_on=date(2021, 6, 30),
            ),
        )
    with refused(Invalid, field="township_code"):
        app.amend_township_population(
            ADMIN, "XX", "T99", AmendTownshipPopulation(
                population=1,
                effective_on=date(2022, 1, 1),
            ),
        )
    with refused(Invalid, field="population"):
        app.amend_township_population(
            ADMIN, "XX", "T01", AmendTownshipPopulation(
                population=-5,
                effective_on=date(2022, 1, 1),
            ),
        )


def test_a_township_added_to_the_plan_can_have_its_station_planned(app, refused) -> None:
    plan = app.add_township(
        ADMIN, "XX", AddTownship(
            code="T12",
            name="新设乡",
            kind="township",
            population=9000,
            batch=2,
            villages=[{"code": "T12-01", "name": "一村", "kind": "village"}],
        ),
    )
    assert next(t for t in plan["townships"] if t["code"] == "T12")["batch"] == 2
    station = app.plan_station(ADMIN, "XX", PlanStation(township_code="T12"))
    assert (station["batch"], station["deadline"]) == (2, "2022-12-31")


def test_an_added_township_needs_a_new_code_new_villages_a_known_batch_and_the_bureau(app, refused) -> None:
    def add(ctx: Context = ADMIN, **changes: object) -> None:
        values = {"code": "T13", "name": "乙乡", "kind": "township", "population": 100, "batch": 1, **changes}
        app.add_township(ctx, "XX", AddTownship(**values))

    with refused(RuleViolated, rule="county_plan.township.duplicate"):
        add(code="T01")
    with refused(RuleViolated, rule="county_plan.village.duplicate"):
        add(villages=[{"code": "T01-01", "name": "重复", "kind": "village"}])
    with refused(Invalid, field="townships"):
        add(batch=3)
    with refused(Invalid, field="kind"):
        add(kind="city")
    with refused(Forbidden):
        add(ctx=TOWNSHIP_T01)


def test_a_village_code_is_used_once(app, refused) -> None:
    plan = app.add_village(ADMIN, "XX", "T03", AddVillage(village_code="T03-04", name="新村", kind="village"))
    assert {"code": "T03-04", "name": "新村", "kind": "village"} in next(
        t for t in plan["townships"] if t["code"] == "T03"
    )["villages"]
    with refused(RuleViolated, rule="county_plan.village.duplicate"):
        app.add_village(ADMIN, "XX", "T03", AddVillage(village_code="T01-01", name="重复", kind="village"))
    with refused(Invalid, field="kind"):
        app.add_village(ADMIN, "XX", "T03", AddVillage(village_code="T03-09", name="X", kind="hamlet"))


def test_only_the_bureau_changes_county_data(app, refused) -> None:
    with refused(Forbidden):
        app.add_village(TOWNSHIP_T01, "XX", "T01", AddVillage(village_code="T01-09", name="新村", kind="village"))
    with refused(NotFound):
        app.get_county_plan("ZZ")


# --- station -------------------------------------------------------------------------------------


def test_a_township_has_only_one_station(app, refused) -> None:
    with refused(RuleViolated, rule="station.plan.already_planned"):
        app.plan_station(ADMIN, "XX", PlanStation(township_code="T01"))


def test_only_the_bureau_plans_stations(app, refused) -> None:
    with refused(Forbidden):
        app.plan_station(CONTRACTOR, "XX", PlanStation(township_code="T01"))


def test_a_township_provides_a_site_only_for_its_own_station(app, refused) -> None:
    with refused(Forbidden):
        app.provide_site(
            TOWNSHIP_T01, app.station_id_for("T02"), ProvideSite(
                office_area_m2=50,
                facilities=["desk"],
                on=D,
            ),
        )
    with refused(Forbidden):
        app.provide_site(
            CONTRACTOR, app.station_id_for("T01"), ProvideSite(
                office_area_m2=50,
                facilities=["desk"],
                on=D,
            ),
        )


def test_site_input_is_checked(app, t01, refused) -> None:
    with refused(Invalid, field="office_area_m2"):
        app.provide_site(TOWNSHIP_T01, t01, ProvideSite(office_area_m2=0, facilities=["desk"], on=D))
    with refused(Invalid, field="facilities"):
        app.provide_site(TOWNSHIP_T01, t01, ProvideSite(office_area_m2=50, facilities=[], on=D))


def test_a_site_is_provided_once(app, sited, refused) -> None:
    with refused(RuleViolated, rule="station.provide_site.already_provided"):
        app.provide_site(TOWNSHIP_T01, sited, ProvideSite(office_area_m2=50, facilities=["desk"], on=D))


def test_cannot_open_a_station_without_a_site(app, t01, refused) -> None:
    with refused(RuleViolated, rule="station.open.requires_site") as _:
        app.open_station(ADMIN, t01, OpenStation(on=D))


def test_cannot_open_a_station_without_a_contractor(app, sited, refused) -> None:
    app.record_staffing(SYSTEM, sited, RecordStaffing(headcount=3, as_of=D, source_seq=1))
    assert app.get_station(sited)["status"] == "site_provided"
    with refused(RuleViolated, rule="station.open.requires_contractor"):
        app.open_station(ADMIN, sited, OpenStation(on=D))


def test_cannot_open_a_station_without_staff(app, contract, t01, refused) -> None:
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=1, as_of=D, source_seq=1))
    with refused(RuleViolated, rule="station.open.requires_staff"):
        app.open_station(ADMIN, t01, OpenStation(on=D))


def test_a_station_cannot_open_before_it_was_staffed(app, contract, t01, refused) -> None:
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 11, 15), source_seq=1))
    with refused(RuleViolated, rule="station.open.before_staffing"):
        app.open_station(ADMIN, t01, OpenStation(on=date(2021, 9, 1)))
    station = app.open_station(ADMIN, t01, OpenStation(on=date(2021, 11, 15)))
    assert (station["status"], station["opened_on"]) == ("opened", "2021-11-15")


def test_the_staffed_day_is_when_the_minimum_was_last_reached(app, contract, t01, refused) -> None:
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 6, 1), source_seq=1))
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=3, as_of=date(2021, 7, 1), source_seq=2))
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=1, as_of=date(2021, 8, 1), source_seq=3))
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 10, 1), source_seq=4))
    with refused(RuleViolated, rule="station.open.before_staffing"):
        app.open_station(ADMIN, t01, OpenStation(on=date(2021, 7, 15)))
    assert app.open_station(ADMIN, t01, OpenStation(on=date(2021, 10, 1)))["status"] == "opened"


def test_a_station_cannot_open_before_its_site_was_provided(app, contract, t01, refused) -> None:
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 1, 1), source_seq=1))
    with refused(RuleViolated, rule="station.open.before_site"):
        app.open_station(ADMIN, t01, OpenStation(on=date(2021, 2, 1)))


def test_staffing_arriving_before_the_contract_counts_once_assigned(app, sited) -> None:
    app.record_staffing(SYSTEM, sited, RecordStaffing(headcount=2, as_of=D, source_seq=1))
    app.sign_contract(ADMIN, SignContract(**contract_terms([sited])))
    assert app.get_station(sited)["status"] == "staffed"


def test_the_minimum_staffing_is_a_policy_parameter() -> None:
    app = Stations(policy=Policy(minimum_staffing=3, ledger_due_days=15))
    load_seed(app, ADMIN)
    station_id = site(app, "T01")
    app.sign_contract(ADMIN, SignContract(**contract_terms([station_id])))
    station = app.record_staffing(SYSTEM, station_id, RecordStaffing(headcount=2, as_of=D, source_seq=1))
    assert (station["status"], station["minimum_staffing"]) == ("contractor_assigned", 3)
    with pytest.raises(RuleViolated) as caught:
        app.open_station(ADMIN, station_id, OpenStation(on=D))
    assert caught.value.rule == "station.open.requires_staff"


def test_stale_staffing_is_ignored(app, staffed) -> None:
    version = app.get_station(staffed)["version"]
    before = app.recorder.max_notification_id()
    result = app.record_staffing(SYSTEM, staffed, RecordStaffing(headcount=0, as_of=D, source_seq=10))
    assert result["applied"] is False and result["headcount"] == 2 and result["version"] == version
    assert app.recorder.max_notification_id() == before


def test_staffing_is_recorded_only_by_the_system_or_bureau(app, staffed, refused) -> None:
    with refused(Forbidden):
        app.record_staffing(CONTRACTOR, staffed, RecordStaffing(headcount=5, as_of=D, source_seq=11))
    with refused(Invalid, field="headcount"):
        app.record_staffing(SYSTEM, staffed, RecordStaffing(headcount=-1, as_of=D, source_seq=11))


def test_an_open_station_cannot_be_opened_again(app, opened, refused) -> None:
    with refused(RuleViolated, rule="station.open.already_open"):
        app.open_station(ADMIN, opened, OpenStation(on=D))


def test_a_suspended_station_is_reopened_not_opened(app, opened, refused) -> None:
    app.suspend_station(ADMIN, opened, SuspendStation(reason="整改", on=D))
    with refused(RuleViolated, rule="station.open.suspended"):
        app.open_station(ADMIN, opened, OpenStation(on=D))


def test_only_an_open_station_is_suspended(app, staffed, refused) -> None:
    with refused(RuleViolated, rule="station.suspend.not_open"):
        app.suspend_station(ADMIN, staffed, SuspendStation(reason="整改", on=D))


def test_suspension_needs_a_reason(app, opened, refused) -> None:
    with refused(Invalid, field="reason"):
        app.suspend_station(ADMIN, opened, SuspendStation(reason="  ", on=D))


def test_only_a_suspended_station_is_reopened(app, opened, refused) -> None:
    with refused(RuleViolated, rule="station.reopen.not_suspended"):
        app.reopen_station(ADMIN, opened, ReopenStation(on=D))


def test_reopening_needs_staff(app, opened, refused) -> None:
    app.suspend_station(ADMIN, opened, SuspendStation(reason="社工离职", on=D))
    app.record_staffing(SYSTEM, opened, RecordStaffing(headcount=1, as_of=D, source_seq=11))
    with refused(RuleViolated, rule="station.reopen.requires_staff"):
        app.reopen_station(ADMIN, opened, ReopenStation(on=D))


def test_reopening_needs_a_contractor(app, opened, contract, refused) -> None:
    app.suspend_station(ADMIN, opened, SuspendStation(reason="合同终止", on=D))
    app.terminate_contract(ADMIN, contract["id"], TerminateContract(reason="违约", on=D))
    with refused(RuleViolated, rule="station.reopen.requires_contractor"):
        app.reopen_station(ADMIN, opened, ReopenStation(on=D))


def test_a_closed_station_takes_no_change(app, opened, refused) -> None:
    app.close_station(ADMIN, opened, CloseStation(reason="撤并", on=D))
    with refused(RuleViolated, rule="station.close.already_closed"):
        app.close_station(ADMIN, opened, CloseStation(reason="撤并", on=D))
    with refused(RuleViolated, rule="station.open.closed"):
        app.open_station(ADMIN, opened, OpenStation(on=D))
    with refused(RuleViolated, rule="station.cover_village.closed"):
        app.cover_village(ADMIN, opened, CoverVillage(village_code="T01-01", start=D))


def test_a_closed_station_gets_no_site_or_contractor(app, t01, refused) -> None:
    app.close_station(ADMIN, t01, CloseStation(reason="撤并", on=D))
    with refused(RuleViolated, rule="station.provide_site.closed"):
        app.provide_site(TOWNSHIP_T01, t01, ProvideSite(office_area_m2=50, facilities=["desk"], on=D))
    with refused(RuleViolated, rule="station.assign_contractor.closed"):
        app.sign_contract(ADMIN, SignContract(**contract_terms([t01])))


def test_only_the_bureau_opens_stations(app, staffed, refused) -> None:
    with refused(Forbidden):
        app.open_station(CONTRACTOR, staffed, OpenStation(on=D))


def test_a_stale_version_is_refused(app, staffed, refused) -> None:
    version = app.get_station(staffed)["version"]
    with refused(StaleVersion):
        app.open_station(ADMIN, staffed, OpenStation(on=D), expected_version=version - 1)
    assert app.open_station(ADMIN, staffed, OpenStation(on=D), expected_version=version)["status"] == "opened"


def test_an_unknown_station_is_not_found(app, refused) -> None:
    with refused(NotFound):
        app.open_station(ADMIN, uuid4(), OpenStation(on=D))
    with refused(NotFound):
        app.get_station("not-an-id")


def test_a_retried_command_creates_nothing_new(app, staffed) -> None:
    first = app.open_station(ADMIN, staffed, OpenStation(on=D), idempotency_key="k-1")
    before = app.recorder.max_notification_id()
    assert app.open_station(ADMIN, staffed, OpenStation(on=D), idempotency_key="k-1") == first
    assert app.recorder.max_notification_id() == before


def test_village_coverage_rules(app, t01, refused) -> None:
    app.cover_village(ADMIN, t01, CoverVillage(village_code="T01-01", start=date(2021, 6, 1)))
    with refused(RuleViolated, rule="station.cover_village.already_covered"):
        app.cover_village(ADMIN, t01, CoverVillage(village_code="T01-01", start=date(2021, 7, 1)))
    with refused(Invalid, field="village_code"):
        app.cover_village(ADMIN, t01, CoverVillage(village_code="T02-01", start=D))
    with refused(Invalid, field="village_code"):
        app.cover_village(ADMIN, t01, CoverVillage(village_code="NOPE", start=D))
    with refused(RuleViolated, rule="station.end_village_coverage.not_covered"):
        app.end_village_coverage(ADMIN, t01, "T01-02", EndVillageCoverage(end=D))
    with refused(Invalid, field="end"):
        app.end_village_coverage(ADMIN, t01, "T01-01", EndVillageCoverage(end=date(2021, 5, 1)))


# --- service contract ----------------------------------------------------------------------------


def test_a_contractor_needs_the_site_first(app, t01, refused) -> None:
    with refused(RuleViolated, rule="station.assign_contractor.requires_site"):
        app.sign_contract(ADMIN, SignContract(**contract_terms([t01])))


def test_a_station_has_only_one_active_contract(app, contract, t01, refused) -> None:
    with refused(RuleViolated, rule="station.assign_contractor.already_assigned"):
        app.sign_contract(ADMIN, SignContract(**contract_terms([t01], number="XXMZ-2021-002")))


def test_a_contract_number_is_signed_once(app, contract, refused) -> None:
    t02 = site(app, "T02")
    with refused(RuleViolated, rule="contract.sign.duplicate_number"):
        app.sign_contract(ADMIN, SignContract(**contract_terms([t02])))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_end": date(2021, 4, 1)}, "period_end"),
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": 30_000_000.0}, "amount_fen"),
        ({"supervision_fen": 30_000_001}, "supervision_fen"),
        ({"payment_schedule": [{"due_on": date(2021, 4, 15), "amount_fen": 1}]}, "payment_schedule"),
        ({"budget_line": ""}, "budget_line"),
        ({"station_ids": []}, "station_ids"),
        ({"station_ids": [uuid4()]}, "station_ids"),
    ],
)
def test_contract_terms_are_checked(app, sited, refused, change, field) -> None:
    with refused(Invalid, field=field):
        app.sign_contract(ADMIN, SignContract(**contract_terms([sited]) | change))


def test_only_the_bureau_signs_contracts(app, sited, refused) -> None:
    with refused(Forbidden):
        app.sign_contract(CONTRACTOR, SignContract(**contract_terms([sited])))


def test_disbursements_never_exceed_the_amount(app, contract, refused) -> None:
    app.disburse(ADMIN, contract["id"], Disburse(amount_fen=20_000_000, paid_on=D, reference="P1"))
    with refused(RuleViolated, rule="contract.disburse.exceeds_amount"):
        app.disburse(ADMIN, contract["id"], Disburse(amount_fen=10_000_001, paid_on=D, reference="P2"))
    with refused(RuleViolated, rule="contract.disburse.duplicate_reference"):
        app.disburse(ADMIN, contract["id"], Disburse(amount_fen=1, paid_on=D, reference="P1"))
    with refused(Invalid, field="paid_on"):
        app.disburse(ADMIN, contract["id"], Disburse(amount_fen=1, paid_on=date(2020, 1, 1), reference="P3"))
    with refused(Forbidden):
        app.disburse(CONTRACTOR, contract["id"], Disburse(amount_fen=1, paid_on=D, reference="P4"))


def test_an_amendment_cannot_go_below_what_was_disbursed(app, contract, refused) -> None:
    app.disburse(ADMIN, contract["id"], Disburse(amount_fen=20_000_000, paid_on=D, reference="P1"))
    with refused(RuleViolated, rule="contract.amend.below_disbursed"):
        app.amend_contract(
            ADMIN, contract["id"], AmendContract(
                reason="压减",
                amended_on=D,
                amount_fen=10_000_000,
                payment_schedule=[{"due_on": D, "amount_fen": 10_000_000}],
            ),
        )
    with refused(Invalid, field="payment_schedule"):
        app.amend_contract(ADMIN, contract["id"], AmendContract(reason="增加", amended_on=D, amount_fen=40_000_000))
    with refused(Invalid, field="reason"):
        app.amend_contract(
            ADMIN, contract["id"], AmendContract(
                reason="",
                amended_on=D,
                period_end=date(2022, 6, 30),
            ),
        )
    with refused(Invalid, field="amendment"):
        app.amend_contract(ADMIN, contract["id"], AmendContract(reason="无变化", amended_on=D))
    with refused(Invalid, field="period_end"):
        app.amend_contract(
            ADMIN, contract["id"], AmendContract(
                reason="提前",
                amended_on=D,
                period_end=date(2021, 1, 1),
            ),
        )


def test_an_amendment_cannot_add_a_station_held_by_another_contract(app, contract, refused) -> None:
    t02 = site(app, "T02")
    other = app.sign_contract(
        ADMIN, SignContract(
            **contract_terms([t02], number="XXMZ-2021-002", organisation_id="org-2"),
        ),
    )
    with refused(RuleViolated, rule="station.assign_contractor.already_assigned"):
        app.amend_contract(
            ADMIN, contract["id"], AmendContract(
                reason="扩围",
                amended_on=D,
                station_ids=[contract["station_ids"][0], t02],
            ),
        )
    assert app.get_station(t02)["contract_id"] == other["id"]


def test_a_terminated_contract_takes_no_payment_or_amendment(app, contract, refused) -> None:
    app.terminate_contract(ADMIN, contract["id"], TerminateContract(reason="违约", on=D))
    with refused(RuleViolated, rule="contract.disburse.terminated"):
        app.disburse(ADMIN, contract["id"], Disburse(amount_fen=1, paid_on=D, reference="P9"))
    with refused(RuleViolated, rule="contract.amend.terminated"):
        app.amend_contract(
            ADMIN, contract["id"], AmendContract(
                reason="延期",
                amended_on=D,
                period_end=date(2022, 6, 30),
            ),
        )
    with refused(RuleViolated, rule="contract.terminate.already_terminated"):
        app.terminate_contract(ADMIN, contract["id"], TerminateContract(reason="违约", on=D))


def test_after_termination_a_new_contract_can_cover_the_station(app, contract, t01) -> None:
    app.terminate_contract(ADMIN, contract["id"], TerminateContract(reason="违约", on=D))
    other = app.sign_contract(
        ADMIN, SignContract(
            **contract_terms([t01], number="XXMZ-2021-002", organisation_id="org-2"),
        ),
    )
    assert app.get_station(t01)["contract_id"] == other["id"]


def test_releasing_a_contract_the_station_does_not_hold_is_refused(app, contract, t01) -> None:
    from services.stations.domain import Station

    station = app.repository.get(t01)
    assert isinstance(station, Station)
    with pytest.raises(RuleViolated) as caught:
        station.release_contractor(uuid4(), "x", D, ADMIN)
    assert caught.value.rule == "station.release_contractor.not_assigned"


# --- ledgers -------------------------------------------------------------------------------------

FIGURES = {"services_delivered": 10, "people_served": 8, "activities": 2, "staffing": 2, "spending_fen": 100}


def submit(app: Stations, station_id: UUID, ctx: Context = CONTRACTOR, **changes) -> dict:
    """Submits Q2 2021 for the station."""
    args = {"year": 2021, "quarter": 2, "submitted_on": date(2021, 7, 5)}
    return app.submit_ledger(ctx, station_id, SubmitLedger(**(args | FIGURES | changes)))


def test_a_ledger_is_submitted_once(app, staffed, refused) -> None:
    submit(app, staffed)
    with refused(RuleViolated, rule="ledger.submit.already_submitted"):
        submit(app, staffed)


def test_a_ledger_waits_for_the_quarter_to_end(app, staffed, refused) -> None:
    with refused(RuleViolated, rule="ledger.submit.quarter_not_ended"):
        submit(app, staffed, submitted_on=date(2021, 6, 30))
    with refused(Invalid, field="quarter"):
        submit(app, staffed, quarter=5)
    with refused(Invalid, field="spending_fen"):
        submit(app, staffed, spending_fen=-1)


def test_only_the_contract_holder_submits_ledgers(app, staffed, refused) -> None:
    with refused(Forbidden):
        submit(app, staffed, ctx=OTHER_CONTRACTOR)
    with refused(Forbidden):
        submit(app, staffed, ctx=ADMIN)
    t02 = site(app, "T02")
    with refused(Forbidden):
        submit(app, t02)


def test_ledger_due_date_is_a_policy_parameter(staffed) -> None:
    assert Stations(policy=Policy(minimum_staffing=2, ledger_due_days=30)).ledger_due_on(2021, 4) == date(2022, 1, 30)


def test_ledger_review_rules(app, staffed, refused) -> None:
    ledger = submit(app, staffed)
    with refused(RuleViolated, rule="ledger.resubmit.not_returned"):
        app.resubmit_ledger(CONTRACTOR, ledger["id"], ResubmitLedger(submitted_on=date(2021, 7, 6), **FIGURES))
    with refused(Invalid, field="reasons"):
        app.return_ledger(ADMIN, ledger["id"], ReturnLedger(reasons=[], on=D))
    with refused(Forbidden):
        app.accept_ledger(CONTRACTOR, ledger["id"], AcceptLedger(on=D))
    app.accept_ledger(ADMIN, ledger["id"], AcceptLedger(on=date(2021, 7, 8)))
    with refused(RuleViolated, rule="ledger.accept.not_submitted"):
        app.accept_ledger(ADMIN, ledger["id"], AcceptLedger(on=date(2021, 7, 9)))
    with refused(RuleViolated, rule="ledger.return.not_submitted"):
        app.return_ledger(ADMIN, ledger["id"], ReturnLedger(reasons=["x"], on=date(2021, 7, 9)))
    with refused(Forbidden):
        app.resubmit_ledger(OTHER_CONTRACTOR, ledger["id"], ResubmitLedger(submitted_on=date(2021, 7, 6), **FIGURES))


# --- disclosures, evaluations, misuse ------------------------------------------------------------


def test_disclosures_only_by_the_contract_holder_for_its_stations(app, contract, refused) -> None:
    args = {
        "contract_id": contract["id"],
        "kind": "qualifications",
        "title": "资质",
        "content": "民非登记证书",
        "disclosed_on": D,
    }
    with refused(Forbidden):
        app.publish_disclosure(OTHER_CONTRACTOR, PublishDisclosure(**args))
    with refused(Forbidden):
        app.publish_disclosure(CONTRACTOR, PublishDisclosure(**args, station_id=app.station_id_for("T02")))
    with refused(Invalid, field="kind"):
        app.publish_disclosure(CONTRACTOR, PublishDisclosure(**args | {"kind": "gossip"}))
    assert app.publish_disclosure(CONTRACTOR, PublishDisclosure(**args))["organisation_id"] == "org-1"


def test_evaluation_rules(app, opened, refused) -> None:
    args = {"station_id": opened, "evaluated_on": D, "findings": ["良好"]}
    with refused(Invalid, field="score"):
        app.record_evaluation(EVALUATOR, RecordEvaluation(score=101, **args))
    with refused(Invalid, field="rectification_items"):
        app.record_evaluation(
            EVALUATOR, RecordEvaluation(
                score=80,
                **args,
                rectification_items=[{"description": "x", "due_on": date(2021, 1, 1)}],
            ),
        )
    with refused(Forbidden):
        app.record_evaluation(CONTRACTOR, RecordEvaluation(score=80, **args))
    evaluation = app.record_evaluation(
        EVALUATOR, RecordEvaluation(
            score=80,
            **args,
            rectification_items=[{"description": "x", "due_on": date(2021, 7, 1)}],
        ),
    )
    app.close_rectification_item(
        EVALUATOR, evaluation["id"], "R1", CloseRectificationItem(
            evidence="照片",
            closed_on=date(2021, 6, 20),
        ),
    )
    with refused(RuleViolated, rule="evaluation.close_item.already_closed"):
        app.close_rectification_item(
            EVALUATOR, evaluation["id"], "R1", CloseRectificationItem(
                evidence="照片",
                closed_on=date(2021, 6, 21),
            ),
        )
    with refused(Invalid, field="item_id"):
        app.close_rectification_item(
            EVALUATOR, evaluation["id"], "R9", CloseRectificationItem(
                evidence="照片",
                closed_on=date(2021, 6, 21),
            ),
        )
    with refused(Invalid, field="evidence"):
        app.close_rectification_item(
            EVALUATOR, evaluation["id"], "R1", CloseRectificationItem(
                evidence="",
                closed_on=date(2021, 6, 21),
            ),
        )


def test_misuse_reports_are_open_to_anyone_but_auditors_and_resolved_by_the_bureau(app, t01, refused) -> None:
    args = {"station_id": t01, "worker_id": "w-1", "description": "被抽调做乡镇工作", "observed_on": D}
    for ctx in (TOWNSHIP_T01, WORKER, CONTRACTOR, ADMIN):
        app.report_misuse(ctx, ReportMisuse(**args))
    with refused(Forbidden):
        app.report_misuse(AUDITOR, ReportMisuse(**args))
    report = app.report_misuse(WORKER, ReportMisuse(**args))
    with refused(Forbidden):
        app.resolve_misuse_report(TOWNSHIP_T01, report["id"], ResolveMisuseReport(resolution="已纠正", on=D))
    app.resolve_misuse_report(ADMIN, report["id"], ResolveMisuseReport(resolution="已纠正", on=D))
    with refused(RuleViolated, rule="misuse.resolve.already_resolved"):
        app.resolve_misuse_report(ADMIN, report["id"], ResolveMisuseReport(resolution="再次", on=D))
