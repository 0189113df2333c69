"""The registers: service contracts (terms, status, money paid) and public disclosures, with their list queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from shared.auth import organisation_id as id_of_organisation
from shared.contracts import stations as c
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

from .paging import fetch_page, filters, where

REGISTER_DDL = (
    """
    CREATE TABLE IF NOT EXISTS register_contract (
        contract_id uuid PRIMARY KEY,
        contract_number text NOT NULL UNIQUE,
        organisation_id text NOT NULL,
        organisation_name text NOT NULL,
        station_ids uuid[] NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        amount_fen bigint NOT NULL,
        supervision_fen bigint NOT NULL,
        budget_year int NOT NULL,
        signed_on date NOT NULL,
        status text NOT NULL,
        disbursed_fen bigint NOT NULL DEFAULT 0,
        disbursements int NOT NULL DEFAULT 0,
        amendments int NOT NULL DEFAULT 0,
        terminated_on date,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS register_disclosure (
        disclosure_id uuid PRIMARY KEY,
        organisation_id text NOT NULL,
        contract_id uuid NOT NULL,
        station_id uuid,
        kind text NOT NULL,
        title text NOT NULL,
        disclosed_on date NOT NULL
    )
    """,
)


class Registers(Projection):
    """Service contracts (terms, status, money paid) and public disclosures, for the list queries."""

    name = "stations.registers"
    ddl = REGISTER_DDL
    tables = ("register_contract", "register_disclosure")

    def handlers(self) -> dict[str, Handler]:
        return {
            c.ServiceContractSigned.event_type(): _contract_signed,
            c.ServiceContractDisbursed.event_type(): _contract_disbursed,
            c.ServiceContractAmended.event_type(): _contract_amended,
            c.ServiceContractTerminated.event_type(): _contract_terminated,
            c.PublicDisclosurePublished.event_type(): _disclosure_published,
        }


def _contract_signed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO register_contract (contract_id, contract_number, organisation_id, organisation_name, "
        "station_ids, period_start, period_end, amount_fen, supervision_fen, budget_year, signed_on, status, "
        "version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'signed', %s)",
        (event.aggregateid, d["contract_number"], d["organisation_id"], d["organisation_name"], d["station_ids"],
         d["period_start"], d["period_end"], d["amount_fen"], d["supervision_fen"], d["budget_year"],
         d["signed_on"], event.aggregateversion),
    )


def _contract_update(cur: psycopg.Cursor, event: CloudEvent, sql: str, params: Sequence[Any]) -> None:
    cur.execute(f"UPDATE register_contract SET {sql}, version = %s WHERE contract_id = %s",
                (*params, event.aggregateversion, event.aggregateid))
    if cur.rowcount != 1:
        raise LookupError(f"contract {event.aggregateid} is not in the register")


def _contract_disbursed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _contract_update(cur, event, "disbursed_fen = %s, disbursements = disbursements + 1",
                     (event.data["disbursed_total_fen"],))


def _contract_amended(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    _contract_update(cur, event, "amount_fen = %s, supervision_fen = %s, period_end = %s, station_ids = %s, "
                     "amendments = amendments + 1",
                     (d["amount_fen"], d["supervision_fen"], d["period_end"], d["station_ids"]))


def _contract_terminated(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _contract_update(cur, event, "status = 'terminated', terminated_on = %s", (event.data["terminated_on"],))


def _disclosure_published(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO register_disclosure (disclosure_id, organisation_id, contract_id, station_id, kind, title, "
        "disclosed_on) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (event.aggregateid, d["organisation_id"], d["contract_id"], d["station_id"], d["kind"], d["title"],
         d["disclosed_on"]),
    )


def list_contracts(conn: psycopg.Connection, *, organisation_id: str | None = None, status: str | None = None,
                   station_id: str | None = None, budget_year: int | None = None, limit: int = 100,
                   offset: int = 0) -> dict[str, Any]:
    """A page of service contracts, newest signing first."""
    clauses, params = filters(organisation_id=organisation_id, status=status, budget_year=budget_year)
    if station_id is not None:
        clauses.append("%s::uuid = ANY(station_ids)")
        params.append(station_id)
    return fetch_page(conn, "SELECT * FROM register_contract", where(clauses), params,
                      "signed_on DESC, contract_number",
                      limit, offset)


def list_disclosures(conn: psycopg.Connection, *, organisation_id: str | None = None, contract_id: str | None = None,
                     station_id: str | None = None, kind: str | None = None, limit: int = 100, offset: int = 0,
                     ) -> dict[str, Any]:
    """A page of public disclosures, newest first."""
    clauses, params = filters(organisation_id=organisation_id, contract_id=contract_id, station_id=station_id,
                               kind=kind)
    return fetch_page(conn, "SELECT * FROM register_disclosure", where(clauses), params,
                      "disclosed_on DESC, disclosure_id", limit, offset)


def organisation_names(conn: psycopg.Connection, named: str) -> list[str]:
    """Every name the records may give the organisation ``named`` (by its id or its credit code, in any case): as
    named, its id, and each way a contract named it. Every record of an organisation takes its name from a contract."""
    own = id_of_organisation(named)
    recorded = conn.execute("SELECT DISTINCT organisation_id FROM register_contract").fetchall()
    return sorted({named, own} | {r["organisation_id"] for r in recorded
                                  if id_of_organisation(r["organisation_id"]) == own})
