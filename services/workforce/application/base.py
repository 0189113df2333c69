"""The workforce application's base: worker ids, who acts for which organisation, and the one command path.

A worker's id is derived from a keyed hash (HMAC) of the national id number, so the same person cannot be hired twice
and the id published on every event does not reveal the number. The key is ``WORKFORCE_IDENTITY_KEY`` in the
environment, else one derived from the store's ``CIPHER_KEY``; keep it stable, or the same person could be hired twice
under a new id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict, TypeVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from services.workforce.application.views import masked_worker, organisation_view
from services.workforce.domain import (
    WORKFORCE_NAMESPACE,
    CertificateLevel,
    Policy,
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
    validate_credit_code,
    validate_national_id,
)
from shared.application import Command, ServiceApplication
from shared.auth import same_organisation
from shared.domain import Context, Forbidden, Role
from shared.settings import Settings, get_settings

ADMIN = Role.CIVIL_AFFAIRS_ADMIN
HR = Role.HR_SOCIAL_SECURITY
PARTY = Role.PARTY_ORGANISATION
EMPLOYER = (Role.CIVIL_AFFAIRS_ADMIN, Role.CONTRACTOR)
REVEALERS = (Role.CIVIL_AFFAIRS_ADMIN, Role.HR_SOCIAL_SECURITY)
WORKER_READERS = (*EMPLOYER, Role.HR_SOCIAL_SECURITY, Role.PARTY_ORGANISATION, Role.AUDITOR)
# Used only when no key is configured (unit tests, a laptop); production sets WORKFORCE_IDENTITY_KEY.
DEVELOPMENT_IDENTITY_KEY = "sw-workforce-development-identity-key"

A = TypeVar("A", bound=Aggregate)
Act = Callable[[A], object]


class ChangeOptions(TypedDict, total=False):
    """How a caller changes an aggregate: at the version it last saw (``If-Match``), once per ``Idempotency-Key``."""

    expected_version: int | None
    idempotency_key: str | None


def policy_from(settings: Settings) -> Policy:
    """The plan's workforce figures, from settings (where their defaults are)."""
    return Policy(
        minimum_wage_fen=settings.minimum_wage_fen,
        supervisor_min_stations=settings.supervisor_min_stations,
        supervisor_max_stations=settings.supervisor_max_stations,
        certified_growth_rate=Decimal(str(settings.certified_growth_per_year)),
        certified_multiple=Decimal(str(settings.certified_multiple_by_2023)),
        professionals_share=Decimal(str(settings.professionals_population_share)),
        registered_organisations_target=settings.registered_organisations_min,
        supervisor_certificate_levels=CertificateLevel.at_or_above(settings.supervisor_certificate_level),
    )


def identity_key(dedicated: str | None, cipher_key: str | None) -> bytes:
    """The HMAC key for worker ids: the dedicated key, else one derived from the store's cipher key."""
    if dedicated:
        return dedicated.encode()
    if cipher_key:
        # Domain-separated, so the AES key itself is never used as an HMAC key.
        return hashlib.sha256(b"sw-workforce-identity\x00" + cipher_key.encode()).digest()
    return DEVELOPMENT_IDENTITY_KEY.encode()


class WorkforceBase(ServiceApplication):
    """Ids, access checks and the change of one aggregate, shared by every workforce command."""

    def __init__(self, env: dict[str, str] | None = None, policy: Policy | None = None) -> None:
        super().__init__(env=env)
        self.policy = policy or policy_from(get_settings())
        self._identity_key = identity_key(self.env.get("WORKFORCE_IDENTITY_KEY"), self.env.get("CIPHER_KEY"))

    # --- ids ---------------------------------------------------------------------------------

    def worker_id_for(self, national_id_number: str) -> UUID:
        """The worker id of a national id number (keyed hash: it does not reveal the number)."""
        return uuid5(WORKFORCE_NAMESPACE, f"worker:{self.digest(validate_national_id(national_id_number))}")

    def digest(self, personal_data: str) -> str:
        """A keyed digest of personal data: stable, but not reversible by guessing numbers."""
        return hmac.new(self._identity_key, personal_data.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def organisation_id_for(unified_social_credit_code: str) -> UUID:
        """The organisation id of a unified social credit code."""
        return ServiceOrganisation.create_id(validate_credit_code(unified_social_credit_code))

    @staticmethod
    def baseline_id_for(county_code: str) -> UUID:
        """The baseline id of a county."""
        return WorkforceBaseline.create_id(county_code)

    # --- the one command path on an existing aggregate ---------------------------------------

    def on_worker(self, ctx: Context, roles: tuple[Role, ...], worker_id: UUID, command: Command,
                  act: Act[SocialWorker], expected_version: int | None = None, idempotency_key: str | None = None,
                  view: Callable[[SocialWorker], dict[str, Any]] = masked_worker,
                  about: tuple[object, ...] = ()) -> dict[str, Any]:
        """Changes one worker (the caller's role, then for a contractor its own worker, then ``act``) and answers
        ``view`` of it (the masked record); ``about`` adds to the command's fingerprint."""
        ctx.require(*roles)

        def checked(worker: SocialWorker) -> None:
            self.check_employs(ctx, worker)
            act(worker)

        return self.change(ctx, command, SocialWorker, worker_id, checked, view,
                           expected_version=expected_version, idempotency_key=idempotency_key, about=about)

    def on_organisation(self, ctx: Context, roles: tuple[Role, ...], organisation_id: UUID, command: Command,
                        act: Act[ServiceOrganisation], expected_version: int | None = None,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """Changes one organisation, for a caller in one of ``roles``."""
        ctx.require(*roles)

        def acted(organisation: ServiceOrganisation) -> None:
            act(organisation)  # answers the organisation as it now is, whatever ``act`` returns

        return self.change(ctx, command, ServiceOrganisation, organisation_id, acted, organisation_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    # --- who acts for which organisation -----------------------------------------------------

    def is_own(self, ctx: Context, organisation: ServiceOrganisation) -> bool:
        """True if the caller's token names this organisation (by id or credit code)."""
        return same_organisation(str(organisation.id), ctx.organisation)

    def check_employer(self, ctx: Context, organisation: ServiceOrganisation) -> None:
        """Refuses a contractor hiring into another organisation."""
        if ctx.has_role(Role.CONTRACTOR) and not self.is_own(ctx, organisation):
            raise Forbidden("a contractor may only hire workers into its own organisation")

    def check_employs(self, ctx: Context, worker: SocialWorker) -> None:
        """Refuses a contractor managing another organisation's worker."""
        if ctx.has_role(Role.CONTRACTOR) and not self.employs(ctx, worker):
            raise Forbidden("a contractor may only manage its own workers")

    def employs(self, ctx: Context, worker: SocialWorker) -> bool:
        """True if the caller's organisation employs the worker."""
        return same_organisation(str(worker.employer_id), ctx.organisation)

    def check_station_contracted(self, ctx: Context, worker: SocialWorker, station_id: UUID) -> None:
        """Refuses a contractor posting a worker to a station none of its contracts covers."""
        if not ctx.has_role(Role.CONTRACTOR):
            return
        employer = self.load(ServiceOrganisation, worker.employer_id)
        if not employer.covers_station(str(station_id)):
            raise Forbidden(f"{employer.name} holds no service contract covering station {station_id}")

    def may_reveal(self, ctx: Context, worker: SocialWorker) -> bool:
        """True if the caller may see the worker's id number and phone whole."""
        if ctx.has_role(*REVEALERS):
            return True
        return ctx.has_role(Role.CONTRACTOR) and self.employs(ctx, worker)
