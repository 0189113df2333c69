"""What the casework application needs from outside its event store, as protocols, with in-memory versions.

- ``KeyStore``: one key per beneficiary (wrapped with the service's key) and the keyed digests used to spot
  duplicates; destroying a row is the erasure. Kept in a table of its own, never in the events.
- ``AccessLog``: every read of personal data (who, when, which record, why), append-only.
- ``Directory``: who works where, fed by workforce events from the stream (station assignments, supervision,
  contracts held), never by the workforce database.

The PostgreSQL versions are in ``services.casework.storage`` and ``services.casework.read_models.directory``; the
in-memory ones here serve unit tests and a single process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID

from shared.auth import same_organisation


@dataclass(frozen=True)
class KeyRow:
    """A beneficiary's wrapped key and the digests that find likely duplicates of them."""

    beneficiary_id: UUID
    wrapped_key: bytes
    id_digest: str | None
    match_digest: str


class KeyStore(Protocol):
    """Per-beneficiary keys (crypto-shredding)."""

    def put(self, row: KeyRow) -> None:
        """Stores (or replaces) a beneficiary's key row."""

    def get(self, beneficiary_id: UUID) -> KeyRow | None:
        """A beneficiary's key row; None once destroyed."""

    def destroy(self, beneficiary_id: UUID) -> bool:
        """Destroys the key row; True if there was one."""

    def with_id_digest(self, digest: str) -> list[UUID]:
        """Beneficiaries whose id number has this digest."""

    def with_match_digest(self, digest: str) -> list[UUID]:
        """Beneficiaries with this birth date and village (digest)."""


class AccessLog(Protocol):
    """Every read of personal data."""

    def record(self, entry: dict[str, Any]) -> None:
        """Appends one read (beneficiary_id, record, actor, role, organisation, purpose, correlation_id)."""

    def entries(self, beneficiary_id: UUID | None, offset: int, limit: int,
                actor: str | None = None) -> list[dict[str, Any]]:
        """Reads logged, newest first, optionally of one beneficiary or by one actor."""


class Directory(Protocol):
    """Who works where, as the workforce service's events told it."""

    def worker_stations(self, worker_id: str, on: date) -> set[str]:
        """Stations a social worker was assigned to on a date."""

    def organisation_stations(self, organisation: str) -> set[str]:
        """Stations the contracts of an organisation (its id or credit code) cover."""

    def supervises(self, worker_id: str, station_id: str, on: date) -> bool:
        """True if the worker was the station's supervisor on a date."""


@dataclass
class MemoryKeyStore:
    """Keys in a dict."""

    rows: dict[UUID, KeyRow] = field(default_factory=dict)

    def put(self, row: KeyRow) -> None:
        self.rows[row.beneficiary_id] = row

    def get(self, beneficiary_id: UUID) -> KeyRow | None:
        return self.rows.get(beneficiary_id)

    def destroy(self, beneficiary_id: UUID) -> bool:
        return self.rows.pop(beneficiary_id, None) is not None

    def with_id_digest(self, digest: str) -> list[UUID]:
        return [r.beneficiary_id for r in self.rows.values() if r.id_digest == digest]

    def with_match_digest(self, digest: str) -> list[UUID]:
        return [r.beneficiary_id for r in self.rows.values() if r.match_digest == digest]


@dataclass
class MemoryAccessLog:
    """Reads in a list."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(self, entry: dict[str, Any]) -> None:
        self.rows.append({**entry, "read_at": datetime.now(UTC)})

    def entries(self, beneficiary_id: UUID | None, offset: int, limit: int,
                actor: str | None = None) -> list[dict[str, Any]]:
        found = [r for r in reversed(self.rows) if (beneficiary_id is None or r["beneficiary_id"] == beneficiary_id)
                 and (actor is None or r["actor"] == actor)]
        return found[offset:offset + limit]


@dataclass
class MemoryDirectory:
    """Assignments given by hand: (worker, station, from, until)."""

    assignments: list[tuple[str, str, date, date | None]] = field(default_factory=list)
    supervision: list[tuple[str, str, date, date | None]] = field(default_factory=list)
    contracts: dict[str, set[str]] = field(default_factory=dict)

    def worker_stations(self, worker_id: str, on: date) -> set[str]:
        return {s for w, s, start, end in self.assignments if w == worker_id and _within(on, start, end)}

    def organisation_stations(self, organisation: str) -> set[str]:
        return {s for named, stations in self.contracts.items() if same_organisation(named, organisation)
                for s in stations}

    def supervises(self, worker_id: str, station_id: str, on: date) -> bool:
        return any(w == worker_id and s == station_id and _within(on, start, end)
                   for w, s, start, end in self.supervision)


def _within(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day < end)
