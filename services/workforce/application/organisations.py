"""Commands on service organisations (社工服务机构): registration, party organisation, contracts held."""

from __future__ import annotations

from typing import Annotated, Any, Unpack
from uuid import UUID

from pydantic import Field

from services.workforce.application.base import ADMIN, PARTY, ChangeOptions, WorkforceBase
from services.workforce.application.views import organisation_view
from services.workforce.domain import (
    ServiceOrganisation,
    validate_credit_code,
)
from shared.application import Command, Outcome
from shared.domain import Context, Role, RuleViolated
from shared.fields import CreditCode, Day, Name, SequenceNumber, items


class RegisterOrganisation(Command):
    """Registers a social work service organisation."""

    name: Name
    unified_social_credit_code: CreditCode
    registered_in_county: bool
    registration_place: Name
    registered_on: Day


class RegisterInCounty(Command):
    """An organisation registered elsewhere is now registered in the county."""

    registered_on: Day


class RecordPartyOrganisation(Command):
    """The organisation set up its party organisation 党组织."""

    set_up_on: Day


class RecordContract(Command):
    """A stations service contract the organisation holds (idempotent on ``source_seq``)."""

    contract_id: UUID
    station_ids: Annotated[list[UUID], items(1)]
    source_seq: SequenceNumber = Field(description="sequence of the stations event this records")


class RecordContractEnded(Command):
    """A stations service contract ended (idempotent on ``source_seq``)."""

    source_seq: SequenceNumber = Field(description="sequence of the stations event this records")


class OrganisationCommands(WorkforceBase):
    """Who may: civil affairs admin registers; the party organisation records its set-up; contracts come from the
    stations service's events (system), or by hand from the civil affairs admin."""

    def register_organisation(self, ctx: Context, command: RegisterOrganisation,
                              idempotency_key: str | None = None) -> dict[str, Any]:
        """社工服务机构: registers a service organisation (one per unified social credit code)."""
        ctx.require(ADMIN)

        def handler() -> Outcome:
            organisation_id = ServiceOrganisation.create_id(validate_credit_code(command.unified_social_credit_code))
            if self.exists(organisation_id):
                raise RuleViolated(
                    "workforce.organisation.already_registered",
                    f"an organisation with credit code {command.unified_social_credit_code} is already registered",
                    organisation_id=str(organisation_id),
                )
            organisation = ServiceOrganisation(**dict(command), ctx=ctx)
            return Outcome(result=organisation_view(organisation), changed=[organisation])

        return self.execute(ctx, command, handler, idempotency_key)

    def register_in_county(self, ctx: Context, organisation_id: UUID, command: RegisterInCounty,
                           **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records that an organisation registered elsewhere is now registered in the county."""
        return self.on_organisation(ctx, (ADMIN,), organisation_id, command,
                                    lambda o: o.register_in_county(**dict(command), ctx=ctx), **options)

    def record_party_organisation(self, ctx: Context, organisation_id: UUID, command: RecordPartyOrganisation,
                                  **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """党组织: records that the organisation set up its party organisation."""
        return self.on_organisation(ctx, (PARTY,), organisation_id, command,
                                    lambda o: o.set_up_party_organisation(**dict(command), ctx=ctx), **options)

    def record_contract(self, ctx: Context, organisation_id: UUID, command: RecordContract) -> dict[str, Any]:
        """Records a service contract the organisation holds (fed from stations events; idempotent)."""
        return self.on_organisation(ctx, (Role.SYSTEM, ADMIN), organisation_id, command,
                                    lambda o: o.record_contract(**dict(command), ctx=ctx))

    def record_contract_ended(self, ctx: Context, organisation_id: UUID, contract_id: UUID,
                              command: RecordContractEnded) -> dict[str, Any]:
        """Records that a service contract ended (fed from stations events; idempotent)."""
        return self.on_organisation(ctx, (Role.SYSTEM, ADMIN), organisation_id, command,
                                    lambda o: o.record_contract_ended(contract_id, **dict(command), ctx=ctx))
