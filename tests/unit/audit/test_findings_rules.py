"""Compliance findings from folded ledger entries: each rule, its ledger positions, and its resolution."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.audit.facts import Facts
from services.audit.findings_rules import Finding, evaluate
from shared.contracts import Contract
from shared.contracts import casework as k
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.settings import Settings

SETTINGS = Settings(environment="dev")
ITEMS = ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"]


class Ledger:
    """Entries folded in order, each at the next position."""

    def __init__(self) -> None:
        self.facts = Facts()
        self.position = 0

    def add(self, contract: type[Contract], subject: str, source: str = "", **data: Any) -> int:
        self.position += 1
        self.facts.fold(self.position, source or f"/sw/{contract.service}", contract.event_type(), subject, data)
        return self.position

    def found(self, as_of: str, **settings: Any) -> dict[tuple[str, str, str], Finding]:
        chosen = SETTINGS.model_copy(update=settings)
        return {(f.rule, f.subject, f.period): f for f in evaluate(self.facts, date.fromisoformat(as_of), chosen)}


def worker(ledger: Ledger, wid: str, hired_on: str = "2021-07-01", contract: bool = True,
           items: list[str] = ITEMS) -> int:
    hired = ledger.add(w.WorkerHired, wid, name=f"社工{wid}", employer_id="org-1", hired_on=hired_on)
    if contract:
        ledger.add(w.LabourContractSigned, wid, starts_on=hired_on, ends_on=None)
    for item in items:
        ledger.add(w.WorkerInsuranceEnrolled, wid, item=item, enrolled_on=hired_on)
    return hired


def pay(ledger: Ledger, wid: str, *months: str, gross: int = 300_000) -> None:
    for month in months:
        ledger.add(w.WorkerPayRecorded, wid, period=month, gross_fen=gross, paid_on=f"{month}-28",
                   below_minimum_wage=False, minimum_wage_fen=190_000, employer_id="org-1")


def contract(ledger: Ledger, station: str = "S1") -> int:
    return ledger.add(c.ServiceContractSigned, "C1", contract_number="HT-1", organisation_id="org-1",
                      organisation_name="社工中心", station_ids=[station], period_start="2021-07-01",
                      period_end="2022-06-30", amount_fen=60_000_000, supervision_fen=6_000_000, budget_year=2021,
                      budget_line="2080299", payment_schedule=[], signed_on="2021-06-20")


def submit(ledger: Ledger, station: str, year: int, quarter: int, on: str) -> int:
    return ledger.add(c.QuarterlyLedgerSubmitted, f"L{year}{quarter}", station_id=station, contract_id="C1",
                      organisation_id="org-1", year=year, quarter=quarter, due_on=on, services_delivered=1,
                      people_served=1, activities=1, staffing=2, spending_fen=1_000, submitted_on=on, late=True)


def test_a_quarter_never_submitted_is_overdue_from_the_day_after_its_due_date_and_resolves_when_submitted() -> None:
    ledger = Ledger()
    signed = contract(ledger)
    assert ("ledger_overdue", "S1", "2021-Q3") not in ledger.found("2021-10-15")
    overdue = ledger.found("2021-12-20")[("ledger_overdue", "S1", "2021-Q3")]
    assert (overdue.since, overdue.open, overdue.positions) == (date(2021, 10, 16), True, (signed,))
    assert ("ledger_overdue", "S1", "2021-Q4") not in ledger.found("2021-12-20")
    submitted = submit(ledger, "S1", 2021, 3, "2021-12-22")
    resolved = ledger.found("2021-12-31")[("ledger_overdue", "S1", "2021-Q3")]
    assert (resolved.resolved_on, resolved.positions) == (date(2021, 12, 22), (signed, submitted))
    assert ledger.found("2021-12-21")[("ledger_overdue", "S1", "2021-Q3")].open, "open until the day it was submitted"


def test_a_ledger_submitted_in_time_raises_nothing() -> None:
    ledger = Ledger()
    contract(ledger)
    submit(ledger, "S1", 2021, 3, "2021-10-10")
    assert not [f for f in ledger.found("2021-12-20").values() if f.rule == "ledger_overdue"]


def test_a_month_not_paid_after_the_grace_days_is_missed_and_a_late_payment_resolves_it() -> None:
    ledger = Ledger()
    hired = worker(ledger, "W1")
    pay(ledger, "W1", "2021-07", "2021-08", "2021-09", "2021-10")
    found = ledger.found("2021-12-20")
    missed = found[("pay_missed", "W1", "2021-11")]
    assert (missed.since, missed.positions, missed.open) == (date(2021, 12, 16), (hired,), True)
    assert ("pay_missed", "W1", "2021-12") not in found
    assert ("pay_missed", "W1", "2021-11") not in ledger.found("2021-12-15"), "paid in time until 15 days after"
    ledger.add(w.WorkerPayRecorded, "W1", period="2021-11", gross_fen=300_000, paid_on="2021-12-22",
               below_minimum_wage=False, minimum_wage_fen=190_000, employer_id="org-1")
    assert ledger.found("2021-12-31")[("pay_missed", "W1", "2021-11")].resolved_on == date(2021, 12, 22)


def test_pay_below_the_minimum_wage_of_the_settings_is_a_finding() -> None:
    ledger = Ledger()
    worker(ledger, "W1")
    pay(ledger, "W1", "2021-07", gross=180_000)
    assert ("pay_below_minimum", "W1", "2021-07") in ledger.found("2021-08-01")
    assert ("pay_below_minimum", "W1", "2021-07") not in ledger.found("2021-08-01", minimum_wage_fen=150_000)


def test_a_worker_posted_without_a_labour_contract_until_one_is_signed() -> None:
    ledger = Ledger()
    worker(ledger, "W1", contract=False)
    posted = ledger.add(w.WorkerAssignedToStation, "W1", station_id="S1", assigned_on="2021-07-02")
    missing = ledger.found("2021-08-01")[("labour_contract_missing", "W1", "2021-07-02")]
    assert (missing.since, missing.positions, missing.open) == (date(2021, 7, 2), (posted,), True)
    signed = ledger.add(w.LabourContractSigned, "W1", starts_on="2021-12-22", ends_on=None)
    resolved = ledger.found("2021-12-31")[("labour_contract_missing", "W1", "2021-07-02")]
    assert (resolved.resolved_on, resolved.positions) == (date(2021, 12, 22), (posted, signed))


def test_each_missing_item_of_wuxian_yijin_is_its_own_finding() -> None:
    ledger = Ledger()
    hired = worker(ledger, "W1", items=ITEMS[:5])
    found = ledger.found("2021-12-20")
    assert [key for key in found if key[0] == "insurance_missing"] == [("insurance_missing", "W1", "housing_fund")]
    assert found[("insurance_missing", "W1", "housing_fund")].positions == (hired,)
    assert found[("insurance_missing", "W1", "housing_fund")].since == date(2021, 8, 1)
    ledger.add(w.WorkerInsuranceEnrolled, "W1", item="housing_fund", enrolled_on="2021-12-22")
    assert ledger.found("2021-12-31")[("insurance_missing", "W1", "housing_fund")].resolved_on == date(2021, 12, 22)


def test_a_supervised_month_without_a_session_and_a_short_session() -> None:
    ledger = Ledger()
    worker(ledger, "SUP")
    ledger.add(w.SupervisorDesignated, "SUP", designated_on="2021-07-03")
    assigned = ledger.add(w.StationSupervisionAssigned, "SUP", station_id="S1", assigned_on="2021-07-03")
    for month, hours in (("07", 16.0), ("08", 16.0), ("09", 8.0), ("11", 16.0)):
        ledger.add(k.SupervisionSessionHeld, f"session-{month}", supervisor_id="SUP", station_id="S1",
                   held_on=f"2021-{month}-10", hours=hours, minimum_hours=16.0, below_minimum_hours=hours < 16)
    found = ledger.found("2021-12-20")
    assert [key for key in found if key[0] == "supervision_missing"] == [("supervision_missing", "S1", "2021-10")]
    assert found[("supervision_missing", "S1", "2021-10")].positions == (assigned,)
    assert [key[2][:10] for key in found if key[0] == "supervision_short"] == ["2021-09-10"]
    below = found[("supervisor_below_minimum", "SUP", "2021-07-03")]
    assert below.severity == "warning" and assigned in below.positions


def test_a_supervisors_load_above_the_maximum_and_below_the_minimum_over_time() -> None:
    ledger = Ledger()
    worker(ledger, "SUP")
    designated = ledger.add(w.SupervisorDesignated, "SUP", designated_on="2021-07-03")
    for n in range(3):
        ledger.add(w.StationSupervisionAssigned, "SUP", station_id=f"S{n}", assigned_on="2021-07-03")
    limits = {"supervisor_max_stations": 2, "supervisor_min_stations": 2}
    over = ledger.found("2021-07-10", **limits)[("supervisor_over_maximum", "SUP", "2021-07-03")]
    assert (over.severity, over.positions[0], over.open) == ("breach", designated, True)
    assert not [k for k in ledger.found("2021-07-10", **limits) if k[0] == "supervisor_below_minimum"], \
        "judged at the end of the day: never below the minimum"
    released = [ledger.add(w.StationSupervisionReleased, "SUP", station_id=f"S{n}", released_on="2021-08-01")
                for n in range(2)]
    found = ledger.found("2021-09-01", **limits)
    assert found[("supervisor_over_maximum", "SUP", "2021-07-03")].resolved_on == date(2021, 8, 1)
    below = found[("supervisor_below_minimum", "SUP", "2021-08-01")]
    assert (below.open, below.positions, below.severity) == (True, (designated, released[-1]), "warning")


def test_stations_behind_schedule_and_understaffed() -> None:
    ledger = Ledger()
    planned = ledger.add(c.StationPlanned, "S1", county_code="XX", township_code="T01", township_name="城关镇",
                         batch=1, deadline="2021-12-31", minimum_staffing=2)
    late = ledger.found("2022-01-05")[("station_behind_schedule", "S1", "")]
    assert (late.since, late.positions, late.township) == (date(2022, 1, 1), (planned,), "T01")
    opened = ledger.add(c.StationOpened, "S1", opened_on="2022-01-10")
    assert ledger.found("2022-02-01")[("station_behind_schedule", "S1", "")].resolved_on == date(2022, 1, 10)
    staffing = ledger.add(c.StationStaffingRecorded, "S1", headcount=1, as_of="2022-02-03", source_seq=9,
                          minimum_staffing=2, below_minimum=True)
    short = ledger.found("2022-02-05")[("station_understaffed", "S1", "2022-02-03")]
    assert short.positions == (opened, staffing)


def test_an_open_misuse_report_until_resolved() -> None:
    ledger = Ledger()
    opened = ledger.add(c.MisuseReportOpened, "R1", station_id="S1", township_code="T02", worker_id="W1",
                        observed_on="2021-09-01")
    assert ledger.found("2021-09-02")[("misuse_open", "R1", "")].positions == (opened,)
    ledger.add(c.MisuseReportResolved, "R1", resolution="已纠正", resolved_on="2021-09-10")
    assert ledger.found("2021-09-05")[("misuse_open", "R1", "")].open
    assert not ledger.found("2021-09-11")[("misuse_open", "R1", "")].open


def test_an_activity_without_a_goal_is_named_although_casework_refuses_one() -> None:
    ledger = Ledger()
    base = {"kind": "group", "station_id": "S1", "worker_id": "W1", "held_on": "2021-09-01", "title": "读书会",
            "participants": 8, "beneficiary_ids": [], "volunteers": 0}
    ledger.add(k.ActivityRecorded, "A1", goal="提升阅读", method="小组工作", **base)
    empty = ledger.add(k.ActivityRecorded, "A2", goal=" ", method="小组工作", **base)
    found = [f for f in ledger.found("2021-09-02").values() if f.rule == "activity_without_content"]
    assert [(f.subject, f.positions) for f in found] == [("A2", (empty,))]


def test_certified_growth_below_the_pace_puts_the_target_at_risk() -> None:
    ledger = Ledger()
    ledger.add(w.BaselineEntered, "B", county_code="XX", year=2020, certified_social_workers=100, professionals=50)
    ledger.add(w.BaselineYearlyFiguresRecorded, "B", year=2021, certified_social_workers=120, professionals=60)
    assert ("workforce_target_at_risk", "county", "certified_growth:2021") in ledger.found("2022-01-10")
    ledger.add(w.BaselineYearlyFiguresRecorded, "B", year=2021, certified_social_workers=140, professionals=60)
    assert ("workforce_target_at_risk", "county", "certified_growth:2021") not in ledger.found("2022-01-10")


def test_an_event_claiming_another_services_type_is_no_fact() -> None:
    ledger = Ledger()
    ledger.add(c.MisuseReportOpened, "R1", source="/sw/casework", station_id="S1", township_code="T02",
               worker_id="W1", observed_on="2021-09-01")
    assert not ledger.found("2021-09-02")


def test_the_same_breach_has_the_same_id_in_every_evaluation() -> None:
    ledger = Ledger()
    contract(ledger)
    first = ledger.found("2021-12-20")[("ledger_overdue", "S1", "2021-Q3")]
    again = ledger.found("2022-03-01")[("ledger_overdue", "S1", "2021-Q3")]
    assert first.id == again.id


def test_a_labour_contract_ending_during_a_posting_leaves_the_worker_without_one_from_the_next_day() -> None:
    ledger = Ledger()
    worker(ledger, "W1", contract=False)
    ledger.add(w.LabourContractSigned, "W1", starts_on="2021-07-01", ends_on=None)
    posted = ledger.add(w.WorkerAssignedToStation, "W1", station_id="S1", assigned_on="2021-07-02")
    ended = ledger.add(w.LabourContractEnded, "W1", ended_on="2021-09-30", reason="到期")
    assert not [k for k in ledger.found("2021-09-30") if k[0] == "labour_contract_missing"]
    gap = ledger.found("2021-10-05")[("labour_contract_missing", "W1", "2021-10-01")]
    assert (gap.since, gap.positions, gap.open) == (date(2021, 10, 1), (posted, ended), True)
    signed = ledger.add(w.LabourContractSigned, "W1", starts_on="2021-10-08", ends_on=None)
    closed = ledger.found("2021-12-31")[("labour_contract_missing", "W1", "2021-10-01")]
    assert (closed.resolved_on, closed.positions) == (date(2021, 10, 8), (posted, ended, signed))
    assert [k for k in ledger.found("2021-12-31") if k[0] == "labour_contract_missing"] == [
        ("labour_contract_missing", "W1", "2021-10-01")]


def test_understaffed_from_the_staffing_record_until_staffed_again_or_suspended() -> None:
    ledger = Ledger()
    ledger.add(c.StationPlanned, "S1", county_code="XX", township_code="T01", township_name="城关镇",
               batch=1, deadline="2021-12-31", minimum_staffing=2)
    ledger.add(c.StationStaffingRecorded, "S1", headcount=2, as_of="2021-03-01", source_seq=1, minimum_staffing=2,
               below_minimum=False)
    opened = ledger.add(c.StationOpened, "S1", opened_on="2021-03-05")
    dropped = ledger.add(c.StationStaffingRecorded, "S1", headcount=1, as_of="2021-05-10", source_seq=2,
                         minimum_staffing=2, below_minimum=True)
    assert ledger.found("2021-05-09") == {}
    short = ledger.found("2021-06-01")[("station_understaffed", "S1", "2021-05-10")]
    assert (short.since, short.positions, short.open) == (date(2021, 5, 10), (opened, dropped), True)
    back = ledger.add(c.StationStaffingRecorded, "S1", headcount=2, as_of="2021-06-15", source_seq=3,
                      minimum_staffing=2, below_minimum=False)
    closed = ledger.found("2021-07-01")[("station_understaffed", "S1", "2021-05-10")]
    assert (closed.resolved_on, closed.positions) == (date(2021, 6, 15), (opened, dropped, back))
    ledger.add(c.StationStaffingRecorded, "S1", headcount=1, as_of="2021-08-01", source_seq=4, minimum_staffing=2,
               below_minimum=True)
    suspended = ledger.add(c.StationSuspended, "S1", reason="装修", suspended_on="2021-08-10")
    again = ledger.found("2021-09-01")[("station_understaffed", "S1", "2021-08-01")]
    assert (again.resolved_on, again.positions[-1]) == (date(2021, 8, 10), suspended)
