"""Service contracts' commands and queries: signing, payments, amendments, termination."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from services.stations.domain import ServiceContract
from shared.application import Outcome
from shared.domain import Context, RuleViolated

from .base import ADMIN, StationsBase, payload_of
from .views import contract_view


class ContractCommands(StationsBase):
    """Service contracts' commands and queries."""

    def sign_contract(
        self,
        ctx: Context,
        *,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: list[UUID],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: list[Mapping[str, Any]],
        signed_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Signs a service contract and assigns its contractor to every station it covers."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            if self.exists(ServiceContract.id_for(contract_number)):
                raise RuleViolated(
                    rule="contract.sign.duplicate_number",
                    detail=f"contract number {contract_number} is already signed",
                )
            contract = ServiceContract.sign(
                contract_number=contract_number,
                organisation_id=organisation_id,
                organisation_name=organisation_name,
                station_ids=station_ids,
                period_start=period_start,
                period_end=period_end,
                amount_fen=amount_fen,
                supervision_fen=supervision_fen,
                budget_year=budget_year,
                budget_line=budget_line,
                payment_schedule=payment_schedule,
                signed_on=signed_on,
                ctx=ctx,
            )
            stations = self._stations(contract.station_ids)
            for station in stations:
                station.assign_contractor(contract.id, organisation_id, organisation_name, signed_on, ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, "sign_contract", args, handler, idempotency_key)

    def disburse(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        amount_fen: int,
        paid_on: date,
        reference: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records a payment (拨付) under a contract."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "disburse", args, ServiceContract, contract_id,
            lambda contract: contract.disburse(amount_fen, paid_on, reference, ctx), contract_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def amend_contract(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        reason: str,
        amended_on: date,
        amount_fen: int | None = None,
        supervision_fen: int | None = None,
        period_end: date | None = None,
        station_ids: list[UUID] | None = None,
        payment_schedule: list[Mapping[str, Any]] | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Amends a contract; stations added get its contractor, stations removed are released."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            added, removed = contract.amend(
                reason=reason,
                amended_on=amended_on,
                ctx=ctx,
                amount_fen=amount_fen,
                supervision_fen=supervision_fen,
                period_end=period_end,
                station_ids=station_ids,
                payment_schedule=payment_schedule,
            )
            gaining = self._stations(added)
            for station in gaining:
                station.assign_contractor(
                    contract.id,
                    contract.organisation_id,
                    contract.organisation_name,
                    amended_on,
                    ctx,
                )
            losing = self._stations(removed)
            for station in losing:
                station.release_contractor(contract.id, f"contract amended: {reason}", amended_on, ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *gaining, *losing])

        return self.execute(ctx, "amend_contract", args, handler, idempotency_key)

    def terminate_contract(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Terminates a contract and releases its stations."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            contract.terminate(reason, on, ctx)
            stations = [s for s in self._stations(contract.station_ids) if s.contract_id == str(contract.id)]
            for station in stations:
                station.release_contractor(contract.id, f"contract terminated: {reason}", on, ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, "terminate_contract", args, handler, idempotency_key)

    def get_contract(self, contract_id: UUID) -> dict[str, Any]:
        """A contract's terms, disbursements, amendments and status."""
        return contract_view(self.load(ServiceContract, contract_id))

    @staticmethod
    def contract_id_for(contract_number: str) -> UUID:
        """The id of the contract with this number."""
        return ServiceContract.id_for(contract_number)
