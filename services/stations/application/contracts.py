"""Service contracts' commands and queries: signing, payments, amendments, termination."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.stations.commands import AmendContract, Disburse, SignContract, TerminateContract
from services.stations.domain import ServiceContract
from shared.application import Outcome
from shared.domain import Context, RuleViolated

from .base import ADMIN, StationsBase
from .views import contract_view


class ContractCommands(StationsBase):
    """Service contracts' commands and queries."""

    def sign_contract(self, ctx: Context, command: SignContract, *,
                      idempotency_key: str | None = None) -> dict[str, Any]:
        """Signs a service contract and assigns its contractor to every station it covers."""

        def handler() -> Outcome:
            ctx.require(ADMIN)
            if self.exists(ServiceContract.id_for(command.contract_number)):
                raise RuleViolated(
                    rule="contract.sign.duplicate_number",
                    detail=f"contract number {command.contract_number} is already signed",
                )
            contract = ServiceContract.sign(ctx=ctx, **command.model_dump())
            stations = self._stations(contract.station_ids)
            for station in stations:
                station.assign_contractor(contract.id, contract.organisation_id, contract.organisation_name,
                                          command.signed_on, ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, command, handler, idempotency_key)

    def disburse(self, ctx: Context, contract_id: UUID | str, command: Disburse, *,
                 expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Records a payment (拨付) under a contract."""
        ctx.require(ADMIN)
        return self.change(ctx, command, ServiceContract, contract_id,
                           lambda contract: contract.disburse(ctx=ctx, **command.model_dump()), contract_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    def amend_contract(self, ctx: Context, contract_id: UUID | str, command: AmendContract, *,
                       expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Amends a contract; stations added get its contractor, stations removed are released."""

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            added, removed = contract.amend(ctx=ctx, **command.model_dump())
            gaining = self._stations(added)
            for station in gaining:
                station.assign_contractor(contract.id, contract.organisation_id, contract.organisation_name,
                                          command.amended_on, ctx)
            losing = self._stations(removed)
            for station in losing:
                station.release_contractor(contract.id, f"contract amended: {command.reason}", command.amended_on,
                                           ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *gaining, *losing])

        return self.execute(ctx, command, handler, idempotency_key, about=(contract_id,))

    def terminate_contract(self, ctx: Context, contract_id: UUID | str, command: TerminateContract, *,
                           expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Terminates a contract and releases its stations."""

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            contract.terminate(command.reason, command.on, ctx)
            stations = [s for s in self._stations(contract.station_ids) if s.contract_id == str(contract.id)]
            for station in stations:
                station.release_contractor(contract.id, f"contract terminated: {command.reason}", command.on, ctx)
            return Outcome(result=contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, command, handler, idempotency_key, about=(contract_id,))

    def get_contract(self, contract_id: UUID | str) -> dict[str, Any]:
        """A contract's terms, disbursements, amendments and status."""
        return contract_view(self.load(ServiceContract, contract_id))

    @staticmethod
    def contract_id_for(contract_number: str) -> UUID:
        """The id of the contract with this number."""
        return ServiceContract.id_for(contract_number)
