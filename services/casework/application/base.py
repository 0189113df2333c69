"""The casework application's base: the vault, the directory of who works where, the access log, and who may
write or read what (docs/domain.md §12, §15).

Writing casework (beneficiaries, cases, activities, verifications) is for the civil affairs bureau anywhere, a
social worker at a station it is assigned to on the day recorded, and a contractor at a station its contracts cover.
A social worker's and a supervisor's token name their worker id as subject (``sub``). Personal data is read only by
the bureau, a social worker of the person's station and the contractor holding it; every read is logged first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any, TypedDict, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.casework.application.ports import (
    AccessLog,
    Directory,
    KeyStore,
    MemoryAccessLog,
    MemoryDirectory,
    MemoryKeyStore,
)
from services.casework.application.vault import Vault
from services.casework.application.views import beneficiary_view
from services.casework.domain import Beneficiary, Policy
from shared.application import Command, ServiceApplication
from shared.domain import Context, Forbidden, NotFound, Role, county_today
from shared.settings import Settings, get_settings

ADMIN, CONTRACTOR, WORKER = Role.CIVIL_AFFAIRS_ADMIN, Role.CONTRACTOR, Role.SOCIAL_WORKER
SUPERVISOR, AUDITOR = Role.SUPERVISOR, Role.AUDITOR
WRITERS = (ADMIN, CONTRACTOR, WORKER)
PERSONAL_DATA_READERS = (ADMIN, CONTRACTOR, WORKER)
FACT_READERS = (ADMIN, CONTRACTOR, WORKER, SUPERVISOR, AUDITOR, Role.EVALUATOR, Role.FINANCE, Role.TOWNSHIP)
DEVELOPMENT_KEY = b"sw-casework-development-key"

A = TypeVar("A", bound=Aggregate)


class ChangeOptions(TypedDict, total=False):
    """How a caller changes an aggregate: at the version it last saw (``If-Match``), once per ``Idempotency-Key``."""

    expected_version: int | None
    idempotency_key: str | None


def policy_from(settings: Settings) -> Policy:
    """The plan's casework figures, from settings (where their defaults are)."""
    return Policy(supervision_min_hours=settings.supervision_min_hours,
                  guardian_consent_age=settings.guardian_consent_age)


class CaseworkBase(ServiceApplication):
    """The parts every casework command uses."""

    def __init__(self, env: dict[str, str] | None = None, policy: Policy | None = None,
                 keys: KeyStore | None = None, directory: Directory | None = None,
                 access_log: AccessLog | None = None) -> None:
        super().__init__(env=env)
        self.policy = policy or policy_from(get_settings())
        master = (self.env.get("CASEWORK_MASTER_KEY") or "").encode() or DEVELOPMENT_KEY
        identity = (self.env.get("CASEWORK_IDENTITY_KEY") or "").encode() or hashlib.sha256(master).digest()
        self.vault = Vault(keys if keys is not None else MemoryKeyStore(), master, identity)
        self.directory: Directory = directory if directory is not None else MemoryDirectory()
        self.access_log: AccessLog = access_log if access_log is not None else MemoryAccessLog()
        self.on_close: list[Callable[[], None]] = []

    def close(self) -> None:
        """Closes the store, then what was opened for the key table, access log and directory."""
        super().close()
        for close in self.on_close:
            close()

    # --- who may write where ------------------------------------------------------------------

    def check_station(self, ctx: Context, station_id: UUID | str, on: date) -> None:
        """Refuses (403) a writer acting for a station outside its scope on ``on``."""
        ctx.require(*WRITERS)
        if not self.acts_for_station(ctx, str(station_id), on):
            raise Forbidden(f"{ctx.role} {ctx.actor} does not act for station {station_id} on {on.isoformat()}",
                            rule="casework.scope.station")

    def acts_for_station(self, ctx: Context, station_id: str, on: date) -> bool:
        """True if the caller may record casework for the station on a date."""
        if ctx.has_role(ADMIN):
            return True
        if ctx.has_role(WORKER):
            return station_id in self.directory.worker_stations(ctx.actor, on)
        if ctx.has_role(CONTRACTOR):
            return station_id in self.directory.organisation_stations(ctx.organisation)
        return False

    def registrant_stations(self, ctx: Context) -> set[str] | None:
        """The stations a social worker or contractor registers people at today (None: another role, no such limit)."""
        if ctx.has_role(WORKER):
            return self.directory.worker_stations(ctx.actor, county_today())
        if ctx.has_role(CONTRACTOR):
            return self.directory.organisation_stations(ctx.organisation)
        return None

    def seen_by(self, ctx: Context) -> Callable[[Beneficiary], dict[str, Any]]:
        """A beneficiary as ``ctx`` sees it: a social worker or contractor, who names people by id number, sees only
        the duplicate flags on records at its own stations, so no answer tells it whether a number is on record
        elsewhere."""
        stations = self.registrant_stations(ctx)

        def view(beneficiary: Beneficiary) -> dict[str, Any]:
            answer = beneficiary_view(beneficiary)
            if stations is not None:
                answer["possible_duplicates"] = [flag for flag in answer["possible_duplicates"]
                                                 if self._station_of(flag["beneficiary_id"]) in stations]
            return answer

        return view

    def _station_of(self, beneficiary_id: str) -> str | None:
        try:
            return self.load(Beneficiary, UUID(beneficiary_id)).station_id
        except NotFound:
            return None

    def check_reads_personal_data(self, ctx: Context, beneficiary: Beneficiary) -> None:
        """Refuses (403) a read of personal data by a role or scope that does not need it."""
        ctx.require(*PERSONAL_DATA_READERS)
        if not self.acts_for_station(ctx, beneficiary.station_id, county_today()):
            raise Forbidden(f"{ctx.role} {ctx.actor} does not serve this beneficiary's station",
                            rule="casework.scope.personal_data")

    def log_read(self, ctx: Context, beneficiary_id: UUID, record: str, purpose: str) -> None:
        """Logs a read of personal data before it is answered (if the log fails, nothing is answered)."""
        self.access_log.record({
            "beneficiary_id": beneficiary_id, "record": record, "actor": ctx.actor, "role": ctx.role,
            "organisation": ctx.organisation, "purpose": purpose, "correlation_id": ctx.correlation_id,
        })

    def check_reads_facts(self, ctx: Context, township_code: str | None = None) -> None:
        """Any casework reader sees the facts of service; a township only its own township's."""
        ctx.require(*FACT_READERS)
        if ctx.has_role(Role.TOWNSHIP) and township_code is not None and township_code not in ctx.townships:
            raise Forbidden("a township reads only its own township's casework")

    # --- the one command path on an existing aggregate ----------------------------------------

    def on_aggregate(self, ctx: Context, cls: type[A], aggregate_id: UUID, command: Command,
                     act: Callable[[A], object], view: Callable[[A], dict[str, Any]],
                     expected_version: int | None = None, idempotency_key: str | None = None,
                     about: tuple[object, ...] = ()) -> dict[str, Any]:
        """Loads one aggregate at the caller's version; ``act`` checks scope and applies the rule; answers ``view``."""

        def acted(aggregate: A) -> None:
            act(aggregate)

        return self.change(ctx, command, cls, aggregate_id, acted, view, expected_version=expected_version,
                           idempotency_key=idempotency_key, about=(*about, *self.personal_about(command)))

    def personal_about(self, command: Command) -> tuple[str, ...]:
        """A keyed digest of the command's personal fields (personal data, notes), which its fingerprint leaves out:
        an idempotency record keeps this, never the text."""
        if not command.unfingerprinted:
            return ()
        return (self.vault.digest(command.model_dump_json(include=set(command.unfingerprinted))),)
