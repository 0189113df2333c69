"""Quarterly ledgers' commands and queries: submission, review, resubmission."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from services.stations.domain import QuarterlyLedger, Station, ledger_figures, quarter_end
from shared.application import Outcome
from shared.domain import Context, Role, RuleViolated

from .base import ADMIN, StationsBase, payload_of
from .views import ledger_view


class LedgerCommands(StationsBase):
    """Quarterly ledgers' commands and queries."""

    def submit_ledger(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        year: int,
        quarter: int,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station's contractor submits a quarter's ledger (台账)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            station = self.load(Station, station_id)
            contract = self._contract_held_by(ctx, station)
            figures = ledger_figures(services_delivered, people_served, activities, staffing, spending_fen)
            if self.exists(QuarterlyLedger.id_for(station.id, year, quarter)):
                raise RuleViolated(
                    rule="ledger.submit.already_submitted",
                    detail=f"the ledger for {year} Q{quarter} was already submitted: "
                    "resubmit it if it is returned",
                )
            ledger = QuarterlyLedger.submit(
                station_id=station.id,
                contract_id=str(contract.id),
                organisation_id=contract.organisation_id,
                year=year,
                quarter=quarter,
                figures=figures,
                submitted_on=submitted_on,
                due_days=self.policy.ledger_due_days,
                ctx=ctx,
            )
            return Outcome(result=ledger_view(ledger), changed=[ledger])

        return self.execute(ctx, "submit_ledger", args, handler, idempotency_key)

    def resubmit_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The contractor resubmits a ledger returned for rectification (整改)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            ledger = self.load(QuarterlyLedger, ledger_id, expected_version)
            self._contract_held_by(ctx, self.load(Station, UUID(ledger.station_id)))
            figures = ledger_figures(services_delivered, people_served, activities, staffing, spending_fen)
            ledger.resubmit(figures, submitted_on, ctx)
            return Outcome(result=ledger_view(ledger), changed=[ledger])

        return self.execute(ctx, "resubmit_ledger", args, handler, idempotency_key)

    def accept_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The bureau accepts a ledger."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "accept_ledger", args, QuarterlyLedger, ledger_id,
            lambda ledger: ledger.accept(on, ctx), ledger_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def return_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        reasons: list[str],
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The bureau returns a ledger for rectification (整改), with reasons."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "return_ledger", args, QuarterlyLedger, ledger_id,
            lambda ledger: ledger.return_for_rectification(reasons, on, ctx), ledger_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_ledger(self, ledger_id: UUID) -> dict[str, Any]:
        """A quarterly ledger's figures and review history."""
        return ledger_view(self.load(QuarterlyLedger, ledger_id))

    @staticmethod
    def ledger_id_for(station_id: UUID, year: int, quarter: int) -> UUID:
        """The id of a station's ledger for one quarter."""
        return QuarterlyLedger.id_for(station_id, year, quarter)

    def ledger_due_on(self, year: int, quarter: int) -> date:
        """When a quarter's ledger is due: the policy's number of days after the quarter ends."""
        return quarter_end(year, quarter) + timedelta(days=self.policy.ledger_due_days)
