"""Quarterly ledgers' commands and queries: submission, review, resubmission."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from services.stations.commands import AcceptLedger, ResubmitLedger, ReturnLedger, SubmitLedger
from services.stations.domain import QuarterlyLedger, Station, ledger_figures, quarter_end
from shared.application import Outcome
from shared.domain import Context, Role, RuleViolated

from .base import ADMIN, StationsBase
from .views import ledger_view


class LedgerCommands(StationsBase):
    """Quarterly ledgers' commands and queries."""

    def submit_ledger(self, ctx: Context, station_id: UUID | str, command: SubmitLedger, *,
                      idempotency_key: str | None = None) -> dict[str, Any]:
        """The station's contractor submits a quarter's ledger (台账)."""
        year, quarter = command.year, command.quarter

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            station = self.load(Station, station_id)
            contract = self._contract_held_by(ctx, station)
            figures = ledger_figures(**command.figures())
            if self.exists(QuarterlyLedger.id_for(station.id, year, quarter)):
                raise RuleViolated(
                    rule="ledger.submit.already_submitted",
                    detail=f"the ledger for {year} Q{quarter} was already submitted: resubmit it if it is returned",
                )
            ledger = QuarterlyLedger.submit(
                station_id=station.id, contract_id=str(contract.id), organisation_id=contract.organisation_id,
                year=year, quarter=quarter, figures=figures, submitted_on=command.submitted_on,
                due_days=self.policy.ledger_due_days, ctx=ctx,
            )
            return Outcome(result=ledger_view(ledger), changed=[ledger])

        return self.execute(ctx, command, handler, idempotency_key, about=(station_id,))

    def resubmit_ledger(self, ctx: Context, ledger_id: UUID | str, command: ResubmitLedger, *,
                        expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """The contractor resubmits a ledger returned for rectification (整改)."""

        def act(ledger: QuarterlyLedger) -> None:
            self._contract_held_by(ctx, self.load(Station, UUID(ledger.station_id)))
            ledger.resubmit(ledger_figures(**command.figures()), command.submitted_on, ctx)

        ctx.require(Role.CONTRACTOR)
        return self.change(ctx, command, QuarterlyLedger, ledger_id, act, ledger_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    def accept_ledger(self, ctx: Context, ledger_id: UUID | str, command: AcceptLedger, *,
                      expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """The bureau accepts a ledger."""
        ctx.require(ADMIN)
        return self.change(ctx, command, QuarterlyLedger, ledger_id,
                           lambda ledger: ledger.accept(command.on, ctx), ledger_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    def return_ledger(self, ctx: Context, ledger_id: UUID | str, command: ReturnLedger, *,
                      expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """The bureau returns a ledger for rectification (整改), with reasons."""
        ctx.require(ADMIN)
        return self.change(ctx, command, QuarterlyLedger, ledger_id,
                           lambda ledger: ledger.return_for_rectification(command.reasons, command.on, ctx),
                           ledger_view, expected_version=expected_version, idempotency_key=idempotency_key)

    def get_ledger(self, ledger_id: UUID | str) -> dict[str, Any]:
        """A quarterly ledger's figures and review history."""
        return ledger_view(self.load(QuarterlyLedger, ledger_id))

    @staticmethod
    def ledger_id_for(station_id: UUID, year: int, quarter: int) -> UUID:
        """The id of a station's ledger for one quarter."""
        return QuarterlyLedger.id_for(station_id, year, quarter)

    def ledger_due_on(self, year: int, quarter: int) -> date:
        """When a quarter's ledger is due: the policy's number of days after the quarter ends."""
        return quarter_end(year, quarter) + timedelta(days=self.policy.ledger_due_days)
