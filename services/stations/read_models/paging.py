"""What the read models' list queries share: filters from the values given, and one page of rows."""

from __future__ import annotations

from typing import Any

import psycopg

from shared.http import page_of


def filters(**values: Any) -> tuple[list[str], list[Any]]:
    """``column = value`` conditions for the values given (a list value: ``column = ANY(value)``)."""
    clauses, params = [], []
    for key, value in values.items():
        if value is None:
            continue
        column = key.replace("__", ".")
        clauses.append(f"{column} = ANY(%s)" if isinstance(value, list | tuple) else f"{column} = %s")
        params.append(list(value) if isinstance(value, list | tuple) else value)
    return clauses, params


def where(clauses: list[str]) -> str:
    """The WHERE clause joining ``clauses`` (none: no clause)."""
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def fetch_page(conn: psycopg.Connection, select: str, condition: str, params: list[Any], order: str, limit: int,
               offset: int) -> dict[str, Any]:
    """One page (``items``, ``next``) of the rows selected: one row more is read to know if more follow."""
    rows = conn.execute(f"{select} {condition} ORDER BY {order} LIMIT %s OFFSET %s",
                        (*params, limit + 1, offset)).fetchall()
    return page_of([plain_row(r) for r in rows], offset, limit)


def plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready values: dates as ISO strings, ids as text."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [str(v) if not isinstance(v, str | int | float | dict) else v for v in value]
        elif value is not None and (key.endswith("_id") or key == "id") and not isinstance(value, str):
            value = str(value)
        out[key] = value
    return out
