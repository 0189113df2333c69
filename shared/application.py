"""The service-layer base every service's eventsourcing Application inherits.

It adds, once for all services: the transcodings our events need (dates, the
command context), loading with an optimistic version check (``If-Match``), and
idempotent commands (``Idempotency-Key``) whose record is saved in the same
``save()`` as the command's aggregates, and bulk units (``bulk()``, ``shared.bulk``) that run many commands as
ever but write their events together. No framework and no driver is imported here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from pydantic import BaseModel, ConfigDict

from shared.bulk import BulkUnit
from shared.domain import Conflict, Context, Invalid, NotFound, PayloadTooLarge, StaleVersion

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)
IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:idempotency")
DEFAULT_MAX_EVENT_BYTES = 262_144


class Command(BaseModel):
    """A command, written once: the request body, the application's argument and the source of the event's fields.

    Unknown fields are refused (a misspelt field is an error, not ignored); its fields use the types of
    ``shared.fields``, so whatever it carries can be stored, published and canonicalised.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    unfingerprinted: ClassVar[frozenset[str]] = frozenset()
    """Fields of personal data left out of the fingerprint: the handler passes a keyed digest of them in ``about``."""

    def fingerprint(self, *about: object) -> str:
        """A stable digest of the command, its input and what it acts on (``about``, e.g. the aggregate's id), to spot
        an ``Idempotency-Key`` reused for another request."""
        body = self.model_dump(mode="json", exclude=set(self.unfingerprinted))
        return fingerprint_of(type(self).__name__, [*map(str, about), body] if about else body)


class DateAsISO(Transcoding):
    """Stores ``datetime.date`` values as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ContextAsDict(Transcoding):
    """Stores the command context recorded on every event."""

    type = Context
    name = "sw_context"

    def encode(self, obj: Context) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Context:
        return Context.from_dict(data)


class TupleAsList(Transcoding):
    """Stores tuples (used for immutable lists on events) as lists."""

    type = tuple
    name = "tuple_list"

    def encode(self, obj: tuple[Any, ...]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class IdempotencyRecord(Aggregate):
    """The first result of a command sent with an ``Idempotency-Key``."""

    @event("Recorded")
    def __init__(self, actor: str, key: str, fingerprint: str, result: dict[str, Any]) -> None:
        self.actor = actor
        self.key = key
        self.fingerprint = fingerprint
        self.result = result

    @classmethod
    def create_id(cls, actor: str, key: str, **_: Any) -> UUID:
        """Records are per actor, so two users' keys never collide."""
        return cls.id_for(actor, key)

    @staticmethod
    def id_for(actor: str, key: str) -> UUID:
        """The record's id for one actor's key."""
        return uuid5(IDEMPOTENCY_NAMESPACE, f"{actor}\x00{key}")


@dataclass(frozen=True)
class Outcome:
    """What a command handler returns: the reply and every aggregate it changed."""

    result: dict[str, Any]
    changed: Sequence[Aggregate]


def fingerprint_of(command: str, payload: Any) -> str:
    """A stable digest of a command and its input, to spot a reused key."""
    text = json.dumps([command, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ServiceApplication(Application):
    """Base eventsourcing Application of every service."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env=env)
        self._units = threading.local()

    @contextmanager
    def bulk(self, flush_every: int = 1000) -> Iterator[BulkUnit]:
        """A bulk unit for this thread's commands (``shared.bulk``): collected, written every ``flush_every``
        commands and at the end of the block; an exception leaving the block discards the unwritten batch."""
        if self._unit() is not None:
            raise RuntimeError("a bulk unit is already open in this thread")
        unit = BulkUnit(self._record, self._after_record, flush_every)
        self._units.current = unit
        try:
            yield unit
        except BaseException as error:
            if unit.pending_commands:
                error.add_note(f"{unit.pending_commands} commands ({unit.pending_events} events) of the bulk unit "
                               "were not saved")
            unit.discard()
            raise
        else:
            unit.flush()
        finally:
            self._units.current = None

    def _unit(self) -> BulkUnit | None:
        return getattr(self._units, "current", None)

    def _after_record(self, processing: ProcessingEvent[UUID], recordings: Any) -> None:
        """What ``Application.save`` does once the events are recorded: snapshots, then notifications."""
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)

    def _get(self, aggregate_id: UUID) -> Aggregate:
        """The aggregate as this thread's bulk unit left it, else as stored."""
        unit = self._unit()
        collected = unit.get(aggregate_id) if unit is not None else None
        return collected if collected is not None else self.repository.get(aggregate_id)

    def _save_command(self, changed: Sequence[Aggregate]) -> None:
        """Saves one command's aggregates, or hands them to this thread's bulk unit."""
        unit = self._unit()
        if unit is None:
            self.save(*changed)
        else:
            unit.collect(changed)

    @property
    def max_event_bytes(self) -> int:
        """The largest stored event one command may produce (env ``MAX_EVENT_BYTES``)."""
        return int(self.env.get("MAX_EVENT_BYTES") or DEFAULT_MAX_EVENT_BYTES)

    def check_publishable(self, aggregates: Sequence[Aggregate]) -> None:
        """Refuses (413) a command whose events would exceed the publishable size, before anything is saved.

        The size is the event's stored form before compression and encryption, which is what the relay turns into
        a message: above the limit the bus would refuse it and hold back every later event of the service.
        """
        limit = self.max_event_bytes
        for aggregate in aggregates:
            for pending in aggregate.pending_events:
                state = dict(vars(pending))
                size = len(self.mapper.transcoder.encode(state))
                if size > limit:
                    name = type(pending).__qualname__
                    raise PayloadTooLarge(
                        f"this change would record {size} bytes in one event ({name}); at most {limit} are accepted",
                        limit=limit, size=size,
                    )

    def _take_snapshots(self, processing_event: Any) -> None:
        """Snapshots (an application's ``snapshotting_intervals``) are taken after a command's events were recorded;
        one that cannot be taken is logged, never turned into a failed command: the aggregate still loads from its
        events, as every aggregate recorded before snapshots existed does."""
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            log.exception("snapshot not taken; the aggregate still loads from its events")

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Adds the transcodings of the project's event attributes."""
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ContextAsDict())
        transcoder.register(TupleAsList())

    def load(self, cls: type[A], aggregate_id: UUID, expected_version: int | None = None) -> A:
        """Gets an aggregate of ``cls``; 404 if absent, 412 if not at ``expected_version``."""
        try:
            aggregate = self._get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{cls.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{cls.__name__.lower()} {aggregate_id} not found")
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(
                f"{cls.__name__.lower()} is at version {aggregate.version}, "
                f"not {expected_version}: reload it and try again",
                current_version=aggregate.version,
            )
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        """True if any aggregate has this id (one read of its first stored event, not a load: nothing replayed or
        decrypted)."""
        unit = self._unit()
        if unit is not None and unit.holds(aggregate_id):
            return True
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def execute(
        self,
        ctx: Context,
        command: Command,
        handler: Callable[[], Outcome],
        idempotency_key: str | None = None,
        about: Sequence[object] = (),
    ) -> dict[str, Any]:
        """Runs a command once: a retry with the same key returns the first result.

        ``about`` names what the command acts on, so one key reused for another aggregate is refused.
        """
        fingerprint = command.fingerprint(*about)
        if idempotency_key:
            earlier = self._earlier_result(ctx, idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        outcome = handler()
        changed = list(outcome.changed)
        self.check_publishable(changed)
        if idempotency_key:
            changed.append(IdempotencyRecord(
                actor=ctx.actor, key=idempotency_key, fingerprint=fingerprint, result=outcome.result,
            ))
        try:
            self._save_command(changed)
        except IntegrityError:
            if idempotency_key:
                earlier = self._earlier_result(ctx, idempotency_key, fingerprint)
                if earlier is not None:
                    return earlier
            raise Conflict("another change was saved at the same time: reload and try again") from None
        return outcome.result

    def change(
        self,
        ctx: Context,
        command: Command,
        cls: type[A],
        aggregate_id: UUID,
        act: Callable[[A], dict[str, Any] | None],
        view: Callable[[A], dict[str, Any]],
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        about: Sequence[object] = (),
    ) -> dict[str, Any]:
        """The usual command: load one aggregate (at the caller's version), act on it, save it, answer its view.

        ``act`` may return extra fields for the answer; ``about`` names what else the command acts on besides the
        aggregate (a township of a plan, an item of an evaluation), for the fingerprint (see ``Command``).
        """

        def handler() -> Outcome:
            aggregate = self.load(cls, aggregate_id, expected_version)
            extra = act(aggregate) or {}
            return Outcome(result={**view(aggregate), **extra}, changed=[aggregate])

        return self.execute(ctx, command, handler, idempotency_key, about=(aggregate_id, *about))

    def _earlier_result(self, ctx: Context, key: str, fingerprint: str) -> dict[str, Any] | None:
        try:
            record = self._get(IdempotencyRecord.id_for(ctx.actor, key))
        except AggregateNotFoundError:
            return None
        assert isinstance(record, IdempotencyRecord)
        if record.fingerprint != fingerprint:
            raise Invalid("Idempotency-Key", "this Idempotency-Key was already used for a different request")
        return record.result
