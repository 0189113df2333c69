"""社工服务机构: the service organisation aggregate and its events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.workforce.domain.policy import WORKFORCE_NAMESPACE
from services.workforce.domain.vocabulary import (
    station_ref,
)
from shared.domain import Context, RuleViolated


class ServiceOrganisation(Aggregate):
    """社工服务机构: a social work service organisation that employs workers and holds contracts."""

    @staticmethod
    def create_id(unified_social_credit_code: str, **_: Any) -> UUID:
        """One organisation per unified social credit code."""
        return uuid5(WORKFORCE_NAMESPACE, f"organisation:{unified_social_credit_code}")

    @event("Registered")
    def __init__(
        self,
        name: str,
        unified_social_credit_code: str,
        registered_in_county: bool,
        registration_place: str,
        registered_on: date,
        ctx: Context,
    ) -> None:
        self.name = name
        self.unified_social_credit_code = unified_social_credit_code
        self.registered_in_county = registered_in_county
        self.registration_place = registration_place
        self.registered_on = registered_on
        self.party_organisation_set_up_on: date | None = None
        self.contracts: dict[str, list[str]] = {}
        self.source_seqs: list[int] = []

    def register_in_county(self, registered_on: date, ctx: Context) -> None:
        """Records that an organisation registered elsewhere is now registered in the county."""
        if self.registered_in_county:
            raise RuleViolated(
                "workforce.organisation.already_registered_in_county",
                f"{self.name} is already registered in the county",
            )
        self._registered_in_county(registered_on=registered_on, ctx=ctx)

    @event("RegisteredInCounty")
    def _registered_in_county(self, registered_on: date, ctx: Context) -> None:
        self.registered_in_county = True
        self.registered_on = registered_on

    def set_up_party_organisation(self, set_up_on: date, ctx: Context) -> None:
        """党组织: records that the organisation set up its party organisation."""
        if self.party_organisation_set_up_on is not None:
            raise RuleViolated(
                "workforce.organisation.party_organisation_exists",
                f"{self.name} set up its party organisation on "
                f"{self.party_organisation_set_up_on.isoformat()} already",
            )
        self._party_organisation_set_up(set_up_on=set_up_on, ctx=ctx)

    @event("PartyOrganisationSetUp")
    def _party_organisation_set_up(self, set_up_on: date, ctx: Context) -> None:
        self.party_organisation_set_up_on = set_up_on

    def record_contract(
        self, contract_id: UUID | str, station_ids: Iterable[UUID | str], source_seq: int, ctx: Context
    ) -> bool:
        """Records a service contract held (from a stations event); False if ``source_seq`` was seen."""
        if source_seq in self.source_seqs:
            return False
        self._contract_recorded(
            contract_id=station_ref(contract_id, "contract_id"),
            station_ids=tuple(station_ref(s, "station_ids") for s in station_ids), source_seq=source_seq, ctx=ctx,
        )
        return True

    @event("ContractRecorded")
    def _contract_recorded(
        self, contract_id: str, station_ids: tuple[str, ...], source_seq: int, ctx: Context
    ) -> None:
        self.contracts[contract_id] = list(station_ids)
        self.source_seqs.append(source_seq)

    def record_contract_ended(self, contract_id: UUID | str, source_seq: int, ctx: Context) -> bool:
        """Records that a service contract ended (from a stations event); False if already seen."""
        contract_id = station_ref(contract_id, "contract_id")
        if source_seq in self.source_seqs or contract_id not in self.contracts:
            return False
        self._contract_ended(contract_id=contract_id, source_seq=source_seq, ctx=ctx)
        return True

    @event("ContractEnded")
    def _contract_ended(self, contract_id: str, source_seq: int, ctx: Context) -> None:
        self.contracts.pop(contract_id, None)
        self.source_seqs.append(source_seq)

    def covers_station(self, station_id: str) -> bool:
        """True if one of the organisation's contracts covers the station."""
        return any(station_id in stations for stations in self.contracts.values())


