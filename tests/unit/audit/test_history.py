"""History folds: the state of a station, a contract, a worker and the plan, replayed from ledger facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit import history, history_plan
from services.audit.history import Fact
from services.workforce.domain import targets as workforce_targets
from services.workforce.domain.policy import Policy

STATION, CONTRACT, WORKER = "st-1", "ct-1", "wk-1"


def fact(position: int, type_: str, subject: str, recorded: str, **data: object) -> Fact:
    """A ledger fact recorded at ``recorded`` (UTC)."""
    return Fact(position, f"sw.{type_}.v1", subject, datetime.fromisoformat(recorded).replace(tzinfo=UTC), data)


def story() -> list[Fact]:
    """A township's station planned, sited, contracted, staffed and opened; a contract signed and paid once."""
    return [
        fact(1, "stations.county_plan.established", "plan", "2021-01-04T02:00:00", county_code="XX",
             batches=[{"batch": 1, "deadline": "2021-06-30"}],
             townships=[{"code": "T1", "batch": 1, "population": 30000, "population_as_of": "2020-12-31"},
                        {"code": "T2", "batch": 1, "population": 20000, "population_as_of": "2020-12-31"}]),
        fact(2, "stations.station.planned", STATION, "2021-01-04T02:00:01", county_code="XX", township_code="T1",
             township_name="一镇", batch=1, deadline="2021-06-30", minimum_staffing=2),
        fact(3, "stations.station.site_provided", STATION, "2021-02-01T02:00:00", office_area_m2=80.0,
             facilities=["desk"], provided_on="2021-02-01"),
        fact(4, "stations.service_contract.signed", CONTRACT, "2021-02-10T02:00:00", contract_number="C-1",
             organisation_id="org-1", organisation_name="社工机构", station_ids=[STATION], period_start="2021-03-01",
             period_end="2022-02-28", amount_fen=300000, supervision_fen=30000, budget_year=2021,
             budget_line="民政", payment_schedule=[{"due_on": "2021-03-01", "amount_fen": 300000}],
             signed_on="2021-02-10"),
        fact(5, "stations.station.contractor_assigned", STATION, "2021-02-10T02:00:01", contract_id=CONTRACT,
             organisation_id="org-1", organisation_name="社工机构", assigned_on="2021-02-10"),
        fact(6, "stations.station.staffing_recorded", STATION, "2021-02-20T02:00:00", headcount=2,
             as_of="2021-02-20", source_seq=7, minimum_staffing=2, below_minimum=False),
        fact(7, "stations.service_contract.disbursed", CONTRACT, "2021-03-05T02:00:00", amount_fen=100000,
             paid_on="2021-03-05", reference="P-1", disbursed_total_fen=100000),
        # recorded in May about a March opening: the business date and the recorded time differ
        fact(8, "stations.station.opened", STATION, "2021-05-10T02:00:00", opened_on="2021-03-15"),
    ]


def test_a_station_replayed_to_a_position_is_what_its_events_had_made_it_then() -> None:
    at_six = history.station([f for f in story() if f.position <= 6], STATION)
    assert at_six is not None and at_six["status"] == "staffed" and at_six["headcount"] == 2
    assert at_six["contract_id"] == CONTRACT and at_six["opened_on"] is None
    assert at_six["positions"] == [2, 3, 5, 6]
    now = history.station(story(), STATION)
    assert now is not None and now["status"] == "opened" and now["opened_on"] == "2021-03-15"
    assert [t["status"] for t in now["transitions"]] == ["site_provided", "contractor_assigned", "staffed", "opened"]


def test_the_business_date_and_the_recorded_time_are_asked_apart() -> None:
    recorded_by_april = [f for f in story() if f.time < datetime(2021, 4, 1, tzinfo=UTC)]
    known_in_april = history.station(recorded_by_april, STATION)
    assert known_in_april is not None and known_in_april["status"] == "staffed"  # the opening was not yet recorded
    about_march_known_now = history.station(history.by_business_date(story(), date(2021, 3, 31)), STATION)
    assert about_march_known_now is not None and about_march_known_now["status"] == "opened"
    about_early_march = history.station(history.by_business_date(story(), date(2021, 3, 10)), STATION)
    assert about_early_march is not None and about_early_march["status"] == "staffed"


def test_a_thing_not_yet_in_the_ledger_has_no_history() -> None:
    assert history.station([f for f in story() if f.position < 2], STATION) is None
    assert history.contract(story()[:3], CONTRACT) is None


def test_a_contract_carries_its_payments_as_of_a_position() -> None:
    before = history.contract([f for f in story() if f.position <= 6], CONTRACT)
    after = history.contract(story(), CONTRACT)
    assert before is not None and before["disbursed_fen"] == 0 and before["remaining_fen"] == 300000
    assert after is not None and after["disbursed_fen"] == 100000 and after["remaining_fen"] == 200000
    assert after["disbursements"] == [{"amount_fen": 100000, "paid_on": "2021-03-05", "reference": "P-1"}]


def test_a_worker_is_masked_and_follows_assignments_and_leaving() -> None:
    facts = [
        fact(1, "workforce.worker.hired", WORKER, "2021-01-05T00:00:00", name="张三丰", employer_id="org-1",
             hired_on="2021-01-05"),
        fact(2, "workforce.worker.assigned_to_station", WORKER, "2021-01-06T00:00:00", station_id=STATION,
             assigned_on="2021-01-06"),
        fact(3, "workforce.worker.insurance_enrolled", WORKER, "2021-01-07T00:00:00", item="pension",
             enrolled_on="2021-01-07"),
        fact(4, "workforce.worker.left", WORKER, "2021-09-01T00:00:00", left_on="2021-08-31", reason="moved"),
    ]
    at_three = history.worker(facts[:3], WORKER)
    assert at_three is not None and at_three["name"] == "张**" and at_three["station_id"] == STATION
    assert at_three["insurance"] == ["pension"] and at_three["status"] == "employed"
    gone = history.worker(facts, WORKER)
    assert gone is not None and gone["status"] == "left" and gone["station_id"] is None


def test_plan_progress_counts_stations_opened_by_the_business_date_against_the_batch_target() -> None:
    before = history_plan.plan_progress(story(), "XX", date(2021, 3, 14))
    after = history_plan.plan_progress(story(), "XX", date(2021, 7, 1))
    batch = before["batches"][0]
    assert (batch["target"], batch["planned"], batch["opened"], batch["by_status"]) == (2, 1, 0, {"staffed": 1})
    assert after["batches"][0]["opened"] == 1 and after["batches"][0]["opened_townships"] == ["T1"]
    assert after["batches"][0]["behind_schedule"] and after["target"] == 2 and after["opened"] == 1
    not_recorded_yet = history_plan.plan_progress([f for f in story() if f.position < 8], "XX", date(2021, 7, 1))
    assert not_recorded_yet["opened"] == 0 and not_recorded_yet["batches"][0]["by_status"] == {"staffed": 1}
    assert not_recorded_yet["late_townships"] == ["T1"] and after["late_townships"] == []  # deadline 2021-06-30
    assert (after["operating"], after["below_minimum"]) == (1, 0)  # open with its two workers


def test_an_open_station_whose_staff_fell_below_the_minimum_is_not_counted_operating() -> None:
    fell = fact(9, "stations.station.staffing_recorded", STATION, "2021-08-01T00:00:00", headcount=1,
                as_of="2021-08-01", source_seq=9, minimum_staffing=2, below_minimum=True)
    before = history_plan.plan_progress([*story(), fell], "XX", date(2021, 7, 31))
    after = history_plan.plan_progress([*story(), fell], "XX", date(2021, 8, 1))
    assert (before["operating"], before["below_minimum"]) == (1, 0)
    assert (after["operating"], after["below_minimum"], after["batches"][0]["below_minimum_townships"]) == \
        (0, 1, ["T1"])


POLICY = history_plan.TargetPolicy(0.35, 2.0, 0.01, 1)


def test_workforce_figures_count_the_population_and_compare_the_thresholds() -> None:
    facts = [*story(),
             fact(9, "workforce.baseline.entered", "b", "2021-01-10T00:00:00", county_code="XX", year=2020,
                  certified_social_workers=10, professionals=100),
             fact(10, "workforce.organisation.registered", "org-1", "2021-01-11T00:00:00", name="社工机构",
                  unified_social_credit_code="x", registered_in_county=True, registration_place="县",
                  registered_on="2021-01-11")]
    figures = history_plan.workforce_figures(facts, "XX", date(2021, 6, 1), POLICY)
    assert figures["population"] == 50000 and figures["townships"] == 2
    assert {t["target"]: (t["value"], t["threshold"], t["status"]) for t in figures["targets"]} == {
        "certified_growth_per_year": (-1.0, 0.35, "at_risk"), "certified_total_multiple": (0, 20, "at_risk"),
        "professionals_share": (0, 500, "at_risk"), "registered_organisations": (1, 1, "met")}  # roster: none certified


@settings(max_examples=400, deadline=None)
@given(base=st.integers(0, 40), professionals=st.integers(0, 60), population=st.integers(0, 20_000),
       organisations=st.integers(0, 3), figures=st.dictionaries(st.integers(2021, 2024), st.integers(0, 120)),
       as_of=st.dates(date(2020, 6, 1), date(2024, 6, 30)))
def test_the_targets_are_assessed_as_the_workforce_service_assesses_them(
        base: int, professionals: int, population: int, organisations: int, figures: dict[int, int],
        as_of: date) -> None:
    baseline = {"year": 2020, "certified_social_workers": base, "professionals": professionals}
    policy = Policy(minimum_wage_fen=0, supervisor_min_stations=5, supervisor_max_stations=10,
                    certified_growth_rate=Decimal("0.35"), certified_multiple=Decimal("2.0"),
                    professionals_share=Decimal("0.01"), registered_organisations_target=1,
                    supervisor_certificate_levels=())
    said = workforce_targets.assess_targets(baseline, figures, professionals, population, organisations, as_of, policy)
    assert history_plan.assess_targets(baseline, figures, professionals, population, organisations, as_of,
                                       POLICY) == said
