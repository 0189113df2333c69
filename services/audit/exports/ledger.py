"""Ledger ranges as the departments' files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
Chinese headers) and XLSX, one row per entry, with the entry's place, identity and hashes.

Rows are read in batches of positions, so a CSV of any range streams in constant memory; an XLSX is built whole
(the format is a zip archive), so its range is bounded by ``XLSX_MAX_ROWS``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook
from psycopg_pool import ConnectionPool

from services.audit import application
from services.audit.api import MAX_POSITION, PROBLEMS
from shared.domain import COUNTY_TIME, Invalid
from shared.http import CurrentContext, Unavailable
from shared.service import ReadDb, runtime_of

HEADERS = ("位置", "事件编号", "来源", "类型", "主体", "事件时间", "记录时间", "叶哈希", "链哈希")
BATCH = 2000
XLSX_MAX_ROWS = 200_000  # far below the format's 1,048,576; a larger range is exported as CSV
CSV_MEDIA = "text/csv; charset=utf-8"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Row = tuple[int, str, str, str, str, str, str, str, str]


def _when(value: datetime) -> str:
    """A moment in China Standard Time, to the second, as the county reads it."""
    return value.astimezone(COUNTY_TIME).isoformat(timespec="seconds")


def ledger_rows(connect: Callable[[], Any], after: int, to: int | None) -> Iterator[Row]:
    """The entries after position ``after`` up to ``to`` (inclusive; all if None) as export rows, in batches.

    ``connect`` gives a context manager yielding a connection, taken anew for each batch so a slow download
    holds no connection between batches.
    """
    last = 2**63 - 1 if to is None else to
    while True:
        with connect() as conn:
            rows = _batch(conn, after, last)
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _batch(conn: psycopg.Connection, after: int, last: int) -> list[Row]:
    found = conn.execute(
        "SELECT position, event_id, source, type, subject, event_time, recorded_at, leaf_hash, chain_hash "
        "FROM ledger WHERE position > %s AND position <= %s ORDER BY position LIMIT %s", (after, last, BATCH),
    ).fetchall()
    return [(r["position"], r["event_id"], r["source"], r["type"], r["subject"], _when(r["event_time"]),
             _when(r["recorded_at"]), bytes(r["leaf_hash"]).hex(), bytes(r["chain_hash"]).hex()) for r in found]


def csv_chunks(rows: Iterator[Row]) -> Iterator[bytes]:
    """The CSV file in pieces: BOM and header first, then one piece per few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_bytes(rows: Iterator[Row], title: str = "审计台账") -> bytes:
    """The XLSX workbook: one sheet, the header row, then the entries (streamed into the archive)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(after: int, to: int | None, suffix: str) -> str:
    """The download's name, saying the range: ``ledger-<first>-<last|head>.<suffix>``."""
    return f"ledger-{after + 1}-{'head' if to is None else to}.{suffix}"


# --- HTTP ------------------------------------------------------------------------------------------------------

def _file_doc(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string", "format": "binary"}}}}


def _range(db: psycopg.Connection, after: int, to: int | None) -> int:
    """The number of entries the range holds; refuses a ``to`` before ``after`` (422 naming ``to``)."""
    if to is not None and to < after:
        raise Invalid("to", f"to ({to}) must not be before after ({after})")
    row = db.execute("SELECT count(*) AS n FROM ledger WHERE position > %s AND position <= %s",
                     (after, 2**63 - 1 if to is None else to)).fetchone()
    return int(row["n"]) if row else 0


After = Annotated[int, Query(ge=0, le=MAX_POSITION, description="export the entries after this position")]
To = Annotated[int | None, Query(ge=1, le=MAX_POSITION, description="last position exported (default: the head)")]
router = APIRouter(prefix="/v1/exports", tags=["exports"])


def _pool(request: Request) -> ConnectionPool:
    """The service's pool once it has started (503 before, as every read)."""
    runtime = runtime_of(request)
    if runtime.pool is None or not runtime.booted:
        raise Unavailable("the service is starting: the ledger is not open yet")
    return runtime.pool


@router.get("/ledger.csv", response_class=StreamingResponse,
            responses={200: _file_doc(CSV_MEDIA, "the entries as CSV with Chinese headers"), **PROBLEMS})
def export_ledger_csv(request: Request, ctx: CurrentContext, after: After = 0, to: To = None) -> StreamingResponse:
    """A range of the ledger as CSV (位置, 事件编号, 来源, 类型, 主体, 事件时间, 记录时间, 叶哈希, 链哈希)."""
    application.check_may_read_ledger(ctx)
    pool = _pool(request)
    with pool.connection() as db:  # given back before the download streams: each batch takes one anew
        _range(db, after, to)
    return StreamingResponse(csv_chunks(ledger_rows(pool.connection, after, to)), media_type=CSV_MEDIA,
                             headers={"Content-Disposition": f'attachment; filename="{filename(after, to, "csv")}"'})


@router.get("/ledger.xlsx", response_class=Response,
            responses={200: _file_doc(XLSX_MEDIA, "the entries as an XLSX workbook with Chinese headers"),
                       **PROBLEMS})
def export_ledger_xlsx(ctx: CurrentContext, db: ReadDb, after: After = 0, to: To = None) -> Response:
    """A range of the ledger as an XLSX workbook (one sheet, the same columns as the CSV)."""
    application.check_may_read_ledger(ctx)
    size = _range(db, after, to)
    if size > XLSX_MAX_ROWS:
        raise Invalid("to", f"the range holds {size} entries; an XLSX holds at most {XLSX_MAX_ROWS}: "
                            "narrow after/to or export CSV")
    body = xlsx_bytes(ledger_rows(lambda: nullcontext(db), after, to))  # the request's own connection throughout
    return Response(body, media_type=XLSX_MEDIA,
                    headers={"Content-Disposition": f'attachment; filename="{filename(after, to, "xlsx")}"'})
