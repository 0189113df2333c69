"""Finance views from folded ledger entries, each figure with the positions it sums, and their exports."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from services.audit import finance
from services.audit.facts import Facts
from services.audit.tables import TABLES, to_csv, to_xlsx, within
from shared.contracts import Contract
from shared.contracts import casework as k
from shared.contracts import stations as c
from shared.contracts import workforce as w


class Ledger:
    """Entries folded in order, each at the next position."""

    def __init__(self) -> None:
        self.facts = Facts()
        self.position = 0

    def add(self, contract: type[Contract], subject: str, **data: Any) -> int:
        self.position += 1
        self.facts.fold(self.position, f"/sw/{contract.service}", contract.event_type(), subject, data)
        return self.position


def signed(ledger: Ledger, cid: str, number: str, year: int, amount: int, supervision: int) -> int:
    return ledger.add(c.ServiceContractSigned, cid, contract_number=number, organisation_id="org-1",
                      organisation_name="社工中心", station_ids=["S1"], period_start=f"{year}-01-01",
                      period_end=f"{year}-12-31", amount_fen=amount, supervision_fen=supervision, budget_year=year,
                      budget_line="2080299", payment_schedule=[], signed_on=f"{year}-01-01")


def paid(ledger: Ledger, cid: str, amount: int, on: str, reference: str) -> int:
    return ledger.add(c.ServiceContractDisbursed, cid, amount_fen=amount, paid_on=on, reference=reference,
                      disbursed_total_fen=0)


def story() -> tuple[Ledger, dict[str, int]]:
    ledger = Ledger()
    at = {"org": ledger.add(w.OrganisationRegistered, "org-1", name="社工中心", unified_social_credit_code="X",
                            registered_in_county=True, registration_place="本县", registered_on="2021-01-01"),
          "c1": signed(ledger, "C1", "HT-1", 2021, 50_000_000, 5_000_000),
          "c2": signed(ledger, "C2", "HT-2", 2022, 20_000_000, 1_000_000)}
    at["p1"] = paid(ledger, "C1", 30_000_000, "2021-02-01", "BF-1")
    at["p2"] = paid(ledger, "C1", 10_000_000, "2021-08-01", "BF-2")
    at["amend"] = ledger.add(c.ServiceContractAmended, "C1", amount_fen=45_000_000, supervision_fen=4_000_000,
                             period_end="2021-12-31", station_ids=["S1"], payment_schedule=[], stations_added=[],
                             stations_removed=[], reason="调整", amended_on="2021-09-01")
    for wid, gross in (("W1", 300_000), ("W2", 180_000)):
        at[wid] = ledger.add(w.WorkerHired, wid, name=f"社工{wid}", employer_id="org-1", hired_on="2021-01-01")
        at[f"{wid}-pay"] = ledger.add(w.WorkerPayRecorded, wid, period="2021-01", gross_fen=gross,
                                      paid_on="2021-01-28", below_minimum_wage=False, minimum_wage_fen=190_000,
                                      employer_id="org-1")
    at["ins"] = ledger.add(w.WorkerInsuranceEnrolled, "W1", item="pension", enrolled_on="2021-01-05")
    at["post"] = ledger.add(w.WorkerAssignedToStation, "W1", station_id="S1", assigned_on="2021-01-02")
    at["ledger"] = ledger.add(c.QuarterlyLedgerSubmitted, "L1", station_id="S1", contract_id="C1",
                              organisation_id="org-1", year=2021, quarter=1, due_on="2021-04-15",
                              services_delivered=1, people_served=1, activities=1, staffing=1,
                              spending_fen=7_000_000, submitted_on="2021-04-10", late=False)
    return ledger, at


def test_per_contract_amount_disbursed_and_remaining_with_the_positions_summed() -> None:
    ledger, at = story()
    rows = {r["contract_number"]: r for r in finance.contracts(ledger.facts)}
    one = rows["HT-1"]
    assert (one["amount_fen"], one["supervision_fen"], one["disbursed_fen"], one["remaining_fen"]) == \
        (45_000_000, 4_000_000, 40_000_000, 5_000_000)
    assert one["positions"] == [at["c1"], at["amend"], at["p1"], at["p2"]]
    assert [r["contract_number"] for r in finance.contracts(ledger.facts)] == ["HT-1", "HT-2"], "by budget year"


def test_disbursements_and_the_budget_per_year() -> None:
    ledger, at = story()
    assert [(r["reference"], r["amount_fen"], r["positions"]) for r in finance.disbursements(ledger.facts)] == \
        [("BF-1", 30_000_000, [at["p1"]]), ("BF-2", 10_000_000, [at["p2"]])]
    years = {r["budget_year"]: r for r in finance.budget(ledger.facts)}
    assert {k: years[2021][k] for k in ("budget_fen", "supervision_fen", "disbursed_fen", "remaining_fen",
                                        "reported_spending_fen")} == {
        "budget_fen": 45_000_000, "supervision_fen": 4_000_000, "disbursed_fen": 40_000_000,
        "remaining_fen": 5_000_000, "reported_spending_fen": 7_000_000}
    assert at["ledger"] in years[2021]["positions"] and years[2022]["positions"] == [at["c2"]]


def test_payroll_per_organisation_and_month_counts_pay_below_the_minimum() -> None:
    ledger, at = story()
    [row] = finance.payroll(ledger.facts, minimum_wage_fen=190_000)
    assert (row["organisation_name"], row["month"], row["workers_paid"], row["gross_fen"],
            row["below_minimum_wage"]) == ("社工中心", "2021-01", 2, 480_000, 1)
    assert row["positions"] == [at["W1-pay"], at["W2-pay"]]


def test_social_insurance_and_the_roster_for_filing() -> None:
    ledger, at = story()
    insurance = {r["worker_id"]: r for r in finance.insurance(ledger.facts)}
    assert insurance["W1"]["pension"] == date(2021, 1, 5) and "pension" not in insurance["W1"]["missing"]
    assert len(insurance["W2"]["missing"]) == 6
    roster = {r["worker_id"]: r for r in finance.roster(ledger.facts, date(2021, 3, 1))}
    assert roster["W1"]["station_id"] == "S1" and roster["W1"]["positions"] == [at["W1"], at["post"]]
    assert roster["W2"]["station_id"] is None and not finance.roster(ledger.facts, date(2020, 12, 31))


def test_exports_have_chinese_headers_yuan_amounts_and_the_positions() -> None:
    ledger, at = story()
    rows = finance.contracts(ledger.facts)
    table = TABLES["contracts"]
    text = to_csv(table, rows).decode("utf-8")
    assert text.startswith("\ufeff合同编号,承接机构,预算年度")
    assert f"HT-1,社工中心,2021,2080299,2021-01-01,2021-01-01,2021-12-31,,1,450000.0,40000.0,400000.0,50000.0," \
           f"{at['c1']} {at['amend']} {at['p1']} {at['p2']}" in text
    book = load_workbook(io.BytesIO(to_xlsx(table, rows)), read_only=True)
    assert book.sheetnames == ["合同台账"]
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert sheet[0][0] == "合同编号" and [r[0] for r in sheet[1:]] == ["HT-1", "HT-2"] and sheet[1][9] == 450000.0


def test_a_date_range_keeps_the_rows_dated_within_it_and_months_overlapping_it() -> None:
    ledger, _ = story()
    rows = finance.disbursements(ledger.facts)
    assert [r["reference"] for r in within(TABLES["disbursements"], rows, date(2021, 3, 1), None)] == ["BF-2"]
    assert [r["reference"] for r in within(TABLES["disbursements"], rows, None, date(2021, 2, 1))] == ["BF-1"]
    payroll = finance.payroll(ledger.facts, 190_000)
    assert within(TABLES["payroll"], payroll, date(2021, 1, 20), date(2021, 1, 20)) == payroll
    assert within(TABLES["payroll"], payroll, date(2021, 2, 1), None) == []


def test_supervision_funds_beside_the_sessions_held_at_the_contracts_stations_in_its_period() -> None:
    ledger, at = story()
    held = [ledger.add(k.SupervisionSessionHeld, f"X{n}", supervisor_id="SUP", station_id=station, held_on=on,
                       hours=16.0, minimum_hours=16.0, below_minimum_hours=False)
            for n, (station, on) in enumerate((("S1", "2021-03-01"), ("S2", "2021-03-01"), ("S1", "2022-03-01")))]
    rows = {r["contract_number"]: r for r in finance.supervision(ledger.facts)}
    assert (rows["HT-1"]["supervision_fen"], rows["HT-1"]["sessions"], rows["HT-1"]["hours"]) == (4_000_000, 1, 16.0)
    assert rows["HT-1"]["positions"] == [at["c1"], at["amend"], held[0]]
    assert (rows["HT-2"]["sessions"], rows["HT-2"]["positions"]) == (1, [at["c2"], held[2]])
