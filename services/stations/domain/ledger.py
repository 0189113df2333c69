"""The quarterly ledger (台账): a contractor's figures for one station and quarter, reviewed by the bureau.

The rules are those of ``docs/domain.md`` §4.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, day, refuse, texts, whole

from .common import NAMESPACE, LedgerStatus, quarter_end


def ledger_figures(
    services_delivered: int,
    people_served: int,
    activities: int,
    staffing: int,
    spending_fen: int,
) -> dict[str, int]:
    """Checks a ledger's figures: whole, non-negative numbers."""
    return {
        "services_delivered": whole("services_delivered", services_delivered, 0),
        "people_served": whole("people_served", people_served, 0),
        "activities": whole("activities", activities, 0),
        "staffing": whole("staffing", staffing, 0),
        "spending_fen": whole("spending_fen", spending_fen, 0),
    }


class QuarterlyLedger(Aggregate):
    """台账: a contractor's quarterly figures for one station, reviewed by the bureau."""

    @staticmethod
    def id_for(station_id: UUID | str, year: int, quarter: int) -> UUID:
        """One ledger per station per quarter."""
        return uuid5(NAMESPACE, f"ledger:{station_id}:{year}:Q{quarter}")

    @classmethod
    def create_id(cls, station_id: str, year: int, quarter: int, **_: Any) -> UUID:
        """Deterministic id from station, year and quarter."""
        return cls.id_for(station_id, year, quarter)

    @classmethod
    def submit(
        cls,
        *,
        station_id: UUID,
        contract_id: str,
        organisation_id: str,
        year: int,
        quarter: int,
        figures: dict[str, int],
        submitted_on: date,
        due_days: int,
        ctx: Context,
    ) -> QuarterlyLedger:
        """The contractor submits a quarter's ledger once the quarter has ended."""
        whole("year", year, 1949)
        whole("quarter", quarter, 1, 4)
        day("submitted_on", submitted_on)
        ends = quarter_end(year, quarter)
        if submitted_on <= ends:
            refuse(
                "ledger.submit.quarter_not_ended",
                f"cannot submit the ledger for {year} Q{quarter} before the quarter ends on {ends}",
            )
        due_on = ends + timedelta(days=due_days)
        return cls(
            station_id=str(station_id),
            contract_id=contract_id,
            organisation_id=organisation_id,
            year=year,
            quarter=quarter,
            due_on=due_on,
            submitted_on=submitted_on,
            late=submitted_on > due_on,
            ctx=ctx,
            **figures,
        )

    @event("Submitted")
    def __init__(
        self,
        station_id: str,
        contract_id: str,
        organisation_id: str,
        year: int,
        quarter: int,
        due_on: date,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        late: bool,
        ctx: Context,
    ) -> None:
        self.station_id = station_id
        self.contract_id = contract_id
        self.organisation_id = organisation_id
        self.year = year
        self.quarter = quarter
        self.due_on = due_on
        self.submitted_on = submitted_on
        self.late = late
        self.status = LedgerStatus.SUBMITTED.value
        self.figures = {
            "services_delivered": services_delivered,
            "people_served": people_served,
            "activities": activities,
            "staffing": staffing,
            "spending_fen": spending_fen,
        }
        self.reviews: list[dict[str, Any]] = []
        self.accepted_on: date | None = None

    def check_under_review(self, action: str) -> None:
        """Only a submitted (or resubmitted) ledger can be reviewed."""
        if self.status != LedgerStatus.SUBMITTED:
            refuse(f"ledger.{action}.not_submitted", f"cannot {action}: the ledger is {self.status}")

    def accept(self, on: date, ctx: Context) -> None:
        """The bureau accepts the ledger."""
        day("on", on)
        self.check_under_review("accept")
        self._accepted(accepted_on=on, ctx=ctx)

    @event("Accepted")
    def _accepted(self, accepted_on: date, ctx: Context) -> None:
        self.status = LedgerStatus.ACCEPTED.value
        self.accepted_on = accepted_on
        self.reviews.append({"outcome": "accepted", "on": accepted_on, "reasons": []})

    def return_for_rectification(self, reasons: list[str], on: date, ctx: Context) -> None:
        """The bureau returns the ledger for rectification (整改), saying why."""
        why = texts("reasons", reasons, allow_empty=False)
        day("on", on)
        self.check_under_review("return")
        self._returned(reasons=why, returned_on=on, ctx=ctx)

    @event("ReturnedForRectification")
    def _returned(self, reasons: list[str], returned_on: date, ctx: Context) -> None:
        self.status = LedgerStatus.RETURNED.value
        self.reviews.append({"outcome": "returned", "on": returned_on, "reasons": list(reasons)})

    def resubmit(self, figures: dict[str, int], submitted_on: date, ctx: Context) -> None:
        """The contractor resubmits a returned ledger with rectified figures."""
        day("submitted_on", submitted_on)
        if self.status != LedgerStatus.RETURNED:
            refuse(
                "ledger.resubmit.not_returned", f"cannot resubmit: the ledger is {self.status}, not returned"
            )
        self._resubmitted(submitted_on=submitted_on, late=submitted_on > self.due_on, ctx=ctx, **figures)

    @event("Resubmitted")
    def _resubmitted(
        self,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        late: bool,
        ctx: Context,
    ) -> None:
        self.status = LedgerStatus.SUBMITTED.value
        self.submitted_on = submitted_on
        self.late = late
        self.figures = {
            "services_delivered": services_delivered,
            "people_served": people_served,
            "activities": activities,
            "staffing": staffing,
            "spending_fen": spending_fen,
        }
