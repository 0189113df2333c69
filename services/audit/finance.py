"""Finance views for the finance bureau (县财政局), from the folded facts (pure): every figure with the ledger
positions it sums, so an auditor can fetch exactly those entries (``GET /v1/ledger?after=<position - 1>&limit=1``).

- contracts (合同台账): per contract its amount, supervision funds, disbursed and remaining, by budget year;
- supervision funds (督导经费): per contract, beside the supervision sessions held at its stations in its period;
- disbursements (拨付明细): each payment under a contract;
- payroll (工资表): per organisation and month, the gross total, the workers paid and those below minimum wage;
- budget: per budget year, contracted (budget), supervision funds, disbursed (spent), remaining, and the
  spending the contractors reported in their quarterly ledgers;
- social insurance (社保明细) and the staff roster for filing (备案): per worker.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from services.audit.facts import Facts
from services.audit.findings_rules import INSURANCE_ITEMS


def contracts(facts: Facts) -> list[dict[str, Any]]:
    """合同台账: every contract, by budget year then number."""
    rows = [{
        "contract_id": x.id, "contract_number": x.number, "organisation_id": x.organisation_id,
        "organisation_name": x.organisation_name, "budget_year": x.budget_year, "budget_line": x.budget_line,
        "signed_on": x.signed_on, "period_start": x.period_start, "period_end": x.period_end,
        "terminated_on": x.terminated_on, "stations": len(x.station_ids), "amount_fen": x.amount_fen,
        "supervision_fen": x.supervision_fen, "disbursed_fen": x.disbursed_fen,
        "remaining_fen": x.amount_fen - x.disbursed_fen, "positions": [*x.positions, *x.disbursed_at],
    } for x in facts.contracts.values()]
    return sorted(rows, key=lambda r: (r["budget_year"], r["contract_number"]))


def supervision(facts: Facts) -> list[dict[str, Any]]:
    """督导经费: per contract its supervision funds beside the sessions held at its stations in its period."""
    rows = []
    for x in facts.contracts.values():
        ends = min(x.period_end, x.terminated_on or x.period_end)
        held = [s for s in facts.sessions if s[0] in x.station_ids and x.period_start <= s[1] <= ends]
        rows.append({"contract_id": x.id, "contract_number": x.number, "organisation_name": x.organisation_name,
                     "budget_year": x.budget_year, "supervision_fen": x.supervision_fen, "stations": len(x.station_ids),
                     "sessions": len(held), "hours": sum(s[2] for s in held),
                     "positions": [*x.positions, *(s[4] for s in held)]})
    return sorted(rows, key=lambda r: (r["budget_year"], r["contract_number"]))


def disbursements(facts: Facts) -> list[dict[str, Any]]:
    """拨付明细: every payment under a contract, by date."""
    rows = []
    for d in facts.disbursements:
        x = facts.contracts[d.contract_id]
        rows.append({"contract_id": x.id, "contract_number": x.number, "organisation_name": x.organisation_name,
                     "budget_year": x.budget_year, "budget_line": x.budget_line, "paid_on": d.paid_on,
                     "reference": d.reference, "amount_fen": d.amount_fen, "positions": [d.position]})
    return sorted(rows, key=lambda r: (r["paid_on"], r["contract_number"], r["reference"]))


def payroll(facts: Facts, minimum_wage_fen: int) -> list[dict[str, Any]]:
    """工资表: per organisation and month, the pay recorded."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for worker in facts.workers.values():
        for pay in worker.pay.values():
            row = totals.setdefault((pay.employer_id, pay.period), {
                "organisation_id": pay.employer_id, "organisation_name": facts.organisations.get(pay.employer_id, ""),
                "month": pay.period, "workers_paid": 0, "gross_fen": 0, "below_minimum_wage": 0, "positions": []})
            row["workers_paid"] += 1
            row["gross_fen"] += pay.gross_fen
            row["below_minimum_wage"] += pay.gross_fen < minimum_wage_fen
            row["positions"].append(pay.position)
    for row in totals.values():
        row["positions"].sort()
    return sorted(totals.values(), key=lambda r: (r["month"], r["organisation_name"], r["organisation_id"]))


def budget(facts: Facts) -> list[dict[str, Any]]:
    """Budget vs spent per budget year; the supervision funds are part of the budget."""
    years: dict[int, dict[str, Any]] = defaultdict(lambda: {"contracts": 0, "budget_fen": 0, "supervision_fen": 0,
                                                            "disbursed_fen": 0, "reported_spending_fen": 0,
                                                            "positions": []})
    for x in facts.contracts.values():
        row = years[x.budget_year]
        row["contracts"] += 1
        row["budget_fen"] += x.amount_fen
        row["supervision_fen"] += x.supervision_fen
        row["disbursed_fen"] += x.disbursed_fen
        row["positions"] += [*x.positions, *x.disbursed_at]
    for (_station, year, _q), (_on, position, spending) in facts.ledgers.items():
        years[year]["reported_spending_fen"] += spending
        years[year]["positions"].append(position)
    return [{"budget_year": year, **row, "remaining_fen": row["budget_fen"] - row["disbursed_fen"],
             "positions": sorted(row["positions"])} for year, row in sorted(years.items())]


def insurance(facts: Facts) -> list[dict[str, Any]]:
    """社保明细: per worker, the date of each of 五险一金 (null: not enrolled)."""
    rows = []
    for x in facts.workers.values():
        enrolled = {item: x.insurance[item][0] if item in x.insurance else None for item in INSURANCE_ITEMS}
        rows.append({"worker_id": x.id, "name": x.name, "organisation_name": facts.organisations.get(x.employer_id, ""),
                     "hired_on": x.hired_on, "left_on": x.left_on, **enrolled,
                     "missing": [item for item, on in enrolled.items() if on is None],
                     "positions": sorted([x.hired_at, *(pos for _, pos in x.insurance.values())])})
    return sorted(rows, key=lambda r: (r["organisation_name"], r["hired_on"], r["worker_id"]))


def roster(facts: Facts, on: date) -> list[dict[str, Any]]:
    """备案: the staff on a date — employer, station and township, labour contract, supervisor or not."""
    rows = []
    for x in facts.workers.values():
        if x.hired_on > on or (x.left_on is not None and x.left_on <= on):
            continue
        station = x.station_on(on)
        contract = next((row for row in x.contracts if row[0] <= on and (row[1] is None or on <= row[1])), None)
        posting = next((row for row in x.postings if row[0] == station and row[1] <= on), None)
        found = facts.stations.get(station or "")
        rows.append({
            "worker_id": x.id, "name": x.name, "organisation_name": facts.organisations.get(x.employer_id, ""),
            "hired_on": x.hired_on, "station_id": station, "township": found.township if found else "",
            "labour_contract_from": contract[0] if contract else None,
            "labour_contract_to": contract[1] if contract else None, "supervisor": bool(x.supervisor_at),
            "positions": sorted([x.hired_at, *((posting[3],) if posting else ()), *(contract[2:] if contract else ())]),
        })
    return sorted(rows, key=lambda r: (r["organisation_name"], r["name"], r["worker_id"]))
