"""Reading the ledger: pages for auditors, and what verification needs (entries, links, stream heads)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import nats.errors
import psycopg
from nats.js import JetStreamContext
from psycopg.rows import dict_row, tuple_row

from services.audit.domain import Entry, Link, parse_canonical
from shared.domain import COUNTY_TIME
from shared.envelope import source_of
from shared.relay import last_sequence_in_stream
from shared.settings import Settings

STREAM_TIMEOUT = 10.0
LAST_BIGINT = 2**63 - 1


def ledger_page(conn: psycopg.Connection, after: int, limit: int, type_prefix: str = "",
                as_of: date | None = None) -> list[dict[str, Any]]:
    """Entries after a position, oldest first; ``type_prefix`` is literal; ``as_of`` keeps events up to that day."""
    sql = ("SELECT position, event_id, source, type, subject, event_time, recorded_at, sequence, prevsequence, "
           "stream_sequence, canonical, leaf_hash, chain_hash FROM ledger "
           "WHERE position > %s AND starts_with(type, %s)")
    params: list[Any] = [after, type_prefix]
    if as_of is not None and as_of < date.max:
        sql += " AND event_time < %s"
        params.append(datetime.combine(as_of + timedelta(days=1), time(), COUNTY_TIME))
    rows = conn.execute(sql + " ORDER BY position LIMIT %s", (*params, limit)).fetchall()
    return [_public(row) for row in rows]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("position", "event_id", "source", "type", "subject", "recorded_at", "sequence",
                               "prevsequence", "stream_sequence")},
        "time": row["event_time"],
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
        "chain_hash": bytes(row["chain_hash"]).hex(),
        "event": _document(bytes(row["canonical"])),
    }


def _document(body: bytes) -> dict[str, Any] | None:
    """The stored event, parsed; None if the bytes are not an I-JSON object (verify names such an entry)."""
    try:
        document = parse_canonical(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


# A row's search columns, the time as UTC text the way events write it (``domain.Entry.search``).
SEARCH = ("event_id, source, type, subject, to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
          "CASE WHEN date_trunc('second', event_time) = event_time THEN 'Z' "
          "ELSE to_char(event_time AT TIME ZONE 'UTC', '.US') || 'Z' END, sequence, prevsequence")


_CURSORS = itertools.count(1)


def read_ledger(conn: psycopg.Connection, columns: str, *, after: int = 0, upto: int | None = None, where: str = "",
                params: Sequence[Any] = (), order: str = "position", row_factory: Any = dict_row,
                batch: int = 5000, copy_types: Sequence[str] = ()) -> Iterator[Any]:
    """The one way the service reads through the ledger: ``columns`` of the rows after position ``after`` (up to
    ``upto``), that also match ``where`` (SQL with ``params``), in ``order``; streamed through a server-side cursor
    ``batch`` rows at a time, so a reader of the whole ledger holds one batch in memory, whatever its size.

    With ``copy_types`` (the columns' PostgreSQL types) the rows come as tuples through ``COPY (SELECT …) TO
    STDOUT`` in binary instead: PostgreSQL streams them while they are checked (no round trip per batch) and
    psycopg decodes them in C; the connection can run nothing else until the last row is read."""
    last = LAST_BIGINT if upto is None else upto
    sql = f"SELECT {columns} FROM ledger WHERE position > %s AND position <= %s"
    sql += f" AND ({where})" if where else ""
    if copy_types:
        yield from _copied(conn, f"{sql} ORDER BY {order}", (after, last, *params), copy_types)
        return
    held = conn.transaction() if conn.autocommit else contextlib.nullcontext()  # a cursor lives in a transaction
    with held, conn.cursor(name=f"ledger_{next(_CURSORS)}", row_factory=row_factory, binary=True) as cur:
        cur.itersize = batch
        cur.execute(f"{sql} ORDER BY {order}", (after, last, *params))
        yield from cur


def _copied(conn: psycopg.Connection, sql: str, params: Sequence[Any], types: Sequence[str]) -> Iterator[tuple]:
    with conn.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
        copy.set_types(list(types))
        yield from copy.rows()


ENTRY_COLUMNS = f"position, canonical, leaf_hash, chain_hash, {SEARCH}"
ENTRY_TYPES = ("int8", "bytea", "bytea", "bytea", "text", "text", "text", "text", "text", "int8", "int8")


def copied_entries(conn: psycopg.Connection, after: int = 0, upto: int | None = None) -> Iterator[Entry]:
    """``ledger_entries`` read through ``COPY`` (see ``read_ledger``): the connection is busy until the last."""
    for row in read_ledger(conn, ENTRY_COLUMNS, after=after, upto=upto, copy_types=ENTRY_TYPES):
        yield Entry(row[0], row[1], row[2], row[3], None, row[4:])


def ledger_entries(conn: psycopg.Connection, batch: int = 5000, after: int = 0,
                   upto: int | None = None) -> Iterator[Entry]:
    """The entries after ``after`` (up to ``upto``) in position order with their search columns, for the verifier,
    as plain tuples."""
    for row in read_ledger(conn, ENTRY_COLUMNS, after=after, upto=upto,
                           row_factory=tuple_row, batch=batch):
        yield Entry(row[0], row[1], row[2], row[3], None, row[4:])


def ledger_links(conn: psycopg.Connection) -> Iterator[Link]:
    """Each entry's (source, sequence, prevsequence), ordered by source then sequence: columns only, through
    ``COPY`` (the connection is busy until the last)."""
    for source, sequence, prevsequence in read_ledger(
            conn, "source, sequence, prevsequence", where="sequence IS NOT NULL",
            order="source, sequence, position", copy_types=("text", "int8", "int8")):
        yield Link(source, sequence, prevsequence if prevsequence is not None else -1)


async def stream_heads(js: JetStreamContext | None, settings: Settings) -> tuple[dict[str, int] | None, str]:
    """Each source's last sequence on the stream, or None and why the stream did not answer."""
    if js is None:
        return None, "not connected to NATS"
    try:
        return await asyncio.wait_for(_stream_heads(js, settings), STREAM_TIMEOUT), ""
    except (TimeoutError, nats.errors.Error, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


async def _stream_heads(js: JetStreamContext, settings: Settings) -> dict[str, int]:
    prefix = f"{settings.subject_prefix}."
    info = await js.stream_info(settings.stream_name, subjects_filter=f"{prefix}>")
    services = {subject.removeprefix(prefix).split(".", 1)[0] for subject in (info.state.subjects or {})}
    services.discard("dlq")  # dead letters are copies of other sources' messages
    county = settings.event_county
    return {source_of(service, county): await last_sequence_in_stream(js, settings, service)
            for service in sorted(services)}
