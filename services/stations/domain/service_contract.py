"""The purchase-of-service contract (政府购买服务协议): terms, payments, amendments, termination.

The rules are those of ``docs/domain.md`` §3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, day, refuse, text, whole

from .common import NAMESPACE, ContractStatus


def _schedule(items: Iterable[Mapping[str, Any]], amount_fen: int) -> list[dict[str, Any]]:
    """Checks a payment schedule: dated instalments that add up to the amount."""
    schedule = [
        {
            "due_on": day("payment_schedule", i.get("due_on")),
            "amount_fen": whole("payment_schedule", i.get("amount_fen"), 1),
        }
        for i in items
    ]
    total = sum(i["amount_fen"] for i in schedule)
    if total != amount_fen:
        raise Invalid(
            "payment_schedule",
            f"the payment schedule adds up to {total} fen, not the amount of {amount_fen} fen",
        )
    return sorted(schedule, key=lambda i: i["due_on"])


def _station_list(station_ids: Iterable[UUID | str]) -> list[str]:
    """Distinct station ids as strings, at least one."""
    try:
        ids = [str(UUID(str(s))) for s in station_ids]
    except ValueError:
        raise Invalid("station_ids", "station_ids must be station ids") from None
    if not ids or len(set(ids)) != len(ids):
        raise Invalid("station_ids", "a contract must cover at least one station, each once")
    return ids


class ServiceContract(Aggregate):
    """政府购买服务协议: the bureau buys a station project from a contractor organisation."""

    @staticmethod
    def id_for(contract_number: str) -> UUID:
        """One contract per contract number (合同编号)."""
        return uuid5(NAMESPACE, f"contract:{contract_number}")

    @classmethod
    def create_id(cls, contract_number: str, **_: Any) -> UUID:
        """Deterministic id: a contract number cannot be signed twice."""
        return cls.id_for(contract_number)

    @classmethod
    def sign(
        cls,
        *,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: Iterable[UUID | str],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: Iterable[Mapping[str, Any]],
        signed_on: date,
        ctx: Context,
    ) -> ServiceContract:
        """Checks and signs a contract."""
        day("period_start", period_start)
        if day("period_end", period_end) <= period_start:
            raise Invalid("period_end", "the contract period must end after it starts")
        amount = whole("amount_fen", amount_fen, 1)
        return cls(
            contract_number=text("contract_number", contract_number),
            organisation_id=text("organisation_id", organisation_id),
            organisation_name=text("organisation_name", organisation_name),
            station_ids=_station_list(station_ids),
            period_start=period_start,
            period_end=period_end,
            amount_fen=amount,
            supervision_fen=whole("supervision_fen", supervision_fen, 0, amount),
            budget_year=whole("budget_year", budget_year, 1949),
            budget_line=text("budget_line", budget_line),
            payment_schedule=_schedule(payment_schedule, amount),
            signed_on=day("signed_on", signed_on),
            ctx=ctx,
        )

    @event("Signed")
    def __init__(
        self,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: list[str],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: list[dict[str, Any]],
        signed_on: date,
        ctx: Context,
    ) -> None:
        self.contract_number = contract_number
        self.organisation_id = organisation_id
        self.organisation_name = organisation_name
        self.station_ids = list(station_ids)
        self.period_start = period_start
        self.period_end = period_end
        self.amount_fen = amount_fen
        self.supervision_fen = supervision_fen
        self.budget_year = budget_year
        self.budget_line = budget_line
        self.payment_schedule = [dict(i) for i in payment_schedule]
        self.signed_on = signed_on
        self.status = ContractStatus.SIGNED.value
        self.disbursements: list[dict[str, Any]] = []
        self.amendments: list[dict[str, Any]] = []
        self.terminated_on: date | None = None
        self.termination_reason: str | None = None

    @property
    def disbursed_fen(self) -> int:
        """Total paid out so far."""
        return sum(d["amount_fen"] for d in self.disbursements)

    @property
    def is_active(self) -> bool:
        """Signed and not terminated."""
        return self.status == ContractStatus.SIGNED

    def check_active(self, action: str) -> None:
        """A terminated contract takes no disbursement or amendment."""
        if not self.is_active:
            refuse(
                f"contract.{action}.terminated",
                f"cannot {action}: contract {self.contract_number} was terminated on {self.terminated_on}",
            )

    def disburse(self, amount_fen: int, paid_on: date, reference: str, ctx: Context) -> None:
        """Pays an instalment (拨付), never beyond the contract amount."""
        whole("amount_fen", amount_fen, 1)
        if day("paid_on", paid_on) < self.signed_on:
            raise Invalid("paid_on", f"a disbursement cannot predate the signing on {self.signed_on}")
        ref = text("reference", reference)
        self.check_active("disburse")
        if any(d["reference"] == ref for d in self.disbursements):
            refuse("contract.disburse.duplicate_reference", f"disbursement {ref} is already recorded")
        remaining = self.amount_fen - self.disbursed_fen
        if amount_fen > remaining:
            refuse(
                "contract.disburse.exceeds_amount",
                f"cannot disburse {amount_fen} fen: only {remaining} fen of the {self.amount_fen} fen "
                "contract amount remain",
            )
        self._disbursed(
            amount_fen=amount_fen,
            paid_on=paid_on,
            reference=ref,
            disbursed_total_fen=self.disbursed_fen + amount_fen,
            ctx=ctx,
        )

    @event("Disbursed")
    def _disbursed(
        self,
        amount_fen: int,
        paid_on: date,
        reference: str,
        disbursed_total_fen: int,
        ctx: Context,
    ) -> None:
        self.disbursements.append({"amount_fen": amount_fen, "paid_on": paid_on, "reference": reference})

    def amend(
        self,
        *,
        reason: str,
        amended_on: date,
        ctx: Context,
        amount_fen: int | None = None,
        supervision_fen: int | None = None,
        period_end: date | None = None,
        station_ids: Iterable[UUID | str] | None = None,
        payment_schedule: Iterable[Mapping[str, Any]] | None = None,
    ) -> tuple[list[str], list[str]]:
        """Amends amount, end date or stations (补充协议); returns the stations added and removed."""
        why = text("reason", reason)
        day("amended_on", amended_on)
        amount = self.amount_fen if amount_fen is None else whole("amount_fen", amount_fen, 1)
        supervision = self.supervision_fen if supervision_fen is None else supervision_fen
        whole("supervision_fen", supervision, 0, amount)
        end = self.period_end if period_end is None else day("period_end", period_end)
        if end <= self.period_start:
            raise Invalid("period_end", "the contract period must end after it starts")
        stations = self.station_ids if station_ids is None else _station_list(station_ids)
        if payment_schedule is None and amount != self.amount_fen:
            raise Invalid("payment_schedule", "a new amount needs a new payment schedule adding up to it")
        schedule = self.payment_schedule if payment_schedule is None else _schedule(payment_schedule, amount)
        if (amount, supervision, end, stations, schedule) == (
            self.amount_fen,
            self.supervision_fen,
            self.period_end,
            self.station_ids,
            self.payment_schedule,
        ):
            raise Invalid("amendment", "the amendment changes nothing")
        self.check_active("amend")
        if amount < self.disbursed_fen:
            refuse(
                "contract.amend.below_disbursed",
                f"cannot amend the amount to {amount} fen: {self.disbursed_fen} fen were already disbursed",
            )
        added = [s for s in stations if s not in self.station_ids]
        removed = [s for s in self.station_ids if s not in stations]
        self._amended(
            amount_fen=amount,
            supervision_fen=supervision,
            period_end=end,
            station_ids=list(stations),
            payment_schedule=list(schedule),
            stations_added=added,
            stations_removed=removed,
            reason=why,
            amended_on=amended_on,
            ctx=ctx,
        )
        return added, removed

    @event("Amended")
    def _amended(
        self,
        amount_fen: int,
        supervision_fen: int,
        period_end: date,
        station_ids: list[str],
        payment_schedule: list[dict[str, Any]],
        stations_added: list[str],
        stations_removed: list[str],
        reason: str,
        amended_on: date,
        ctx: Context,
    ) -> None:
        self.amendments.append(
            {
                "amended_on": amended_on,
                "reason": reason,
                "previous_amount_fen": self.amount_fen,
                "amount_fen": amount_fen,
                "previous_period_end": self.period_end,
                "period_end": period_end,
                "stations_added": list(stations_added),
                "stations_removed": list(stations_removed),
            }
        )
        self.amount_fen = amount_fen
        self.supervision_fen = supervision_fen
        self.period_end = period_end
        self.station_ids = list(station_ids)
        self.payment_schedule = [dict(i) for i in payment_schedule]

    def terminate(self, reason: str, on: date, ctx: Context) -> None:
        """Ends the contract early (解除协议)."""
        why = text("reason", reason)
        if day("on", on) < self.signed_on:
            raise Invalid("on", f"a contract cannot be terminated before it was signed on {self.signed_on}")
        if not self.is_active:
            refuse(
                "contract.terminate.already_terminated",
                f"contract {self.contract_number} is already terminated",
            )
        self._terminated(reason=why, terminated_on=on, ctx=ctx)

    @event("Terminated")
    def _terminated(self, reason: str, terminated_on: date, ctx: Context) -> None:
        self.status = ContractStatus.TERMINATED.value
        self.terminated_on = terminated_on
        self.termination_reason = reason
