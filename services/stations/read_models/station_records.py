"""The station-status view's records of a station's oversight: evaluations, rectification items, ledgers, misuse.
"""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from shared.envelope import CloudEvent
from shared.projection import Handler

from .station_status_schema import FIGURES


def evaluation_recorded(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    items = d["rectification_items"]
    cur.execute(
        "INSERT INTO station_evaluation (evaluation_id, station_id, evaluator_organisation, evaluated_on, score, "
        "items, open_items, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (event.aggregateid, d["station_id"], d["evaluator_organisation"], d["evaluated_on"], d["score"],
         len(items), len(items), event.aggregateversion),
    )
    for item in items:
        cur.execute(
            "INSERT INTO station_rectification (evaluation_id, item_id, station_id, description, due_on) "
            "VALUES (%s, %s, %s, %s, %s)",
            (event.aggregateid, item["item_id"], d["station_id"], item["description"], item["due_on"]),
        )


def item_closed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE station_rectification SET closed_on = %s WHERE evaluation_id = %s AND item_id = %s",
        (event.data["closed_on"], event.aggregateid, event.data["item_id"]),
    )
    if cur.rowcount != 1:
        raise LookupError(f"evaluation {event.aggregateid} has no item {event.data['item_id']} in the view")
    cur.execute(
        "UPDATE station_evaluation SET open_items = open_items - 1, version = %s WHERE evaluation_id = %s",
        (event.aggregateversion, event.aggregateid),
    )


def ledger_submitted(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_ledger (ledger_id, station_id, contract_id, organisation_id, year, quarter, due_on, "
        "submitted_on, late, status, figures, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'submitted', "
        "%s, %s)",
        (event.aggregateid, d["station_id"], d["contract_id"], d["organisation_id"], d["year"], d["quarter"],
         d["due_on"], d["submitted_on"], d["late"], Jsonb({k: d[k] for k in FIGURES}), event.aggregateversion),
    )


def ledger_reviewed(status: str, date_field: str) -> Handler:
    def handle(cur: psycopg.Cursor, event: CloudEvent) -> None:
        cur.execute(
            "UPDATE station_ledger SET status = %s, reviewed_on = %s, reasons = %s, version = %s "
            "WHERE ledger_id = %s",
            (status, event.data[date_field], Jsonb(event.data.get("reasons", [])), event.aggregateversion,
             event.aggregateid),
        )
        if cur.rowcount != 1:
            raise LookupError(f"ledger {event.aggregateid} is not in the view")

    return handle


def ledger_resubmitted(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "UPDATE station_ledger SET status = 'submitted', submitted_on = %s, late = %s, figures = %s, "
        "reviewed_on = NULL, version = %s WHERE ledger_id = %s",
        (d["submitted_on"], d["late"], Jsonb({k: d[k] for k in FIGURES}), event.aggregateversion,
         event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"ledger {event.aggregateid} is not in the view")


def misuse_opened(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_misuse (report_id, station_id, township_code, worker_id, observed_on, status, version) "
        "VALUES (%s, %s, %s, %s, %s, 'open', %s)",
        (event.aggregateid, d["station_id"], d["township_code"], d["worker_id"], d["observed_on"],
         event.aggregateversion),
    )


def misuse_resolved(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE station_misuse SET status = 'resolved', resolved_on = %s, version = %s WHERE report_id = %s",
        (event.data["resolved_on"], event.aggregateversion, event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"misuse report {event.aggregateid} is not in the view")
