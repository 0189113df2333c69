"""花名册: the roster read model (its tables and handlers), fed by the workforce service's own events.

Organisations, workers, dated station assignment periods, certificates, labour contracts, pay, insurance,
supervisors and their dated supervision periods. Every "as of a date" answer is a query over these dated rows.
It holds no personal data: the published events carry none. Its queries are in ``roster_queries``.
"""

from __future__ import annotations

from typing import Any

import psycopg

from shared.contracts import workforce as workforce_contracts
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

ROSTER_DDL = (
    """
    CREATE TABLE IF NOT EXISTS roster_organisation (
        organisation_id uuid PRIMARY KEY,
        name text NOT NULL,
        unified_social_credit_code text NOT NULL,
        registration_place text NOT NULL,
        registered_on date NOT NULL,
        in_county_since date,
        party_organisation_set_up_on date,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_worker (
        worker_id uuid PRIMARY KEY,
        name text NOT NULL,
        employer_id uuid NOT NULL,
        hired_on date NOT NULL,
        left_on date,
        left_reason text,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_certificate (
        worker_id uuid NOT NULL,
        level text NOT NULL,
        obtained_on date NOT NULL,
        PRIMARY KEY (worker_id, level)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_assignment (
        worker_id uuid NOT NULL,
        version int NOT NULL,
        station_id uuid NOT NULL,
        started_on date NOT NULL,
        ended_on date,
        end_reason text,
        PRIMARY KEY (worker_id, version)
    )
    """,
    "CREATE INDEX IF NOT EXISTS roster_worker_name ON roster_worker (name, worker_id)",
    "CREATE INDEX IF NOT EXISTS roster_assignment_station ON roster_assignment (station_id, started_on)",
    """
    CREATE TABLE IF NOT EXISTS roster_labour_contract (
        worker_id uuid NOT NULL,
        version int NOT NULL,
        starts_on date NOT NULL,
        ends_on date,
        ended_on date,
        PRIMARY KEY (worker_id, version)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_pay (
        worker_id uuid NOT NULL,
        period text NOT NULL,
        employer_id uuid NOT NULL,
        gross_fen bigint NOT NULL,
        paid_on date NOT NULL,
        below_minimum_wage boolean NOT NULL,
        minimum_wage_fen bigint NOT NULL,
        PRIMARY KEY (worker_id, period)
    )
    """,
    "CREATE INDEX IF NOT EXISTS roster_pay_employer ON roster_pay (employer_id, period)",
    """
    CREATE TABLE IF NOT EXISTS roster_insurance (
        worker_id uuid NOT NULL,
        item text NOT NULL,
        enrolled_on date NOT NULL,
        PRIMARY KEY (worker_id, item)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_supervisor (
        worker_id uuid PRIMARY KEY,
        designated_on date NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS roster_supervision (
        worker_id uuid NOT NULL,
        version int NOT NULL,
        station_id uuid NOT NULL,
        started_on date NOT NULL,
        ended_on date,
        PRIMARY KEY (worker_id, version)
    )
    """,
)


class Roster(Projection):
    """花名册: who works where, certified, paid and insured, and who supervises which stations, by date."""

    name = "workforce.roster"
    ddl = ROSTER_DDL
    tables = (
        "roster_organisation", "roster_worker", "roster_certificate", "roster_assignment",
        "roster_labour_contract", "roster_pay", "roster_insurance", "roster_supervisor", "roster_supervision",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            workforce_contracts.OrganisationRegistered.event_type(): _organisation_registered,
            workforce_contracts.OrganisationRegisteredInCounty.event_type(): _organisation_in_county,
            workforce_contracts.PartyOrganisationSetUp.event_type(): _party_organisation,
            workforce_contracts.WorkerHired.event_type(): _hired,
            workforce_contracts.WorkerCertificateObtained.event_type(): _certificate,
            workforce_contracts.LabourContractSigned.event_type(): _labour_contract_signed,
            workforce_contracts.LabourContractRenewed.event_type(): _labour_contract_renewed,
            workforce_contracts.LabourContractEnded.event_type(): _labour_contract_ended,
            workforce_contracts.WorkerAssignedToStation.event_type(): _assigned,
            workforce_contracts.WorkerTransferredToStation.event_type(): _transferred,
            workforce_contracts.WorkerUnassignedFromStation.event_type(): _unassigned,
            workforce_contracts.WorkerPayRecorded.event_type(): _paid,
            workforce_contracts.WorkerInsuranceEnrolled.event_type(): _insured,
            workforce_contracts.WorkerLeft.event_type(): _left,
            workforce_contracts.SupervisorDesignated.event_type(): _supervisor_designated,
            workforce_contracts.StationSupervisionAssigned.event_type(): _supervision_assigned,
            workforce_contracts.StationSupervisionReleased.event_type(): _supervision_released,
        }


def _organisation_registered(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO roster_organisation (organisation_id, name, unified_social_credit_code, registration_place, "
        "registered_on, in_county_since, version) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (organisation_id) DO NOTHING",
        (event.aggregateid, d["name"], d["unified_social_credit_code"], d["registration_place"],
         d["registered_on"], d["registered_on"] if d["registered_in_county"] else None, event.aggregateversion),
    )


def _organisation_in_county(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _update_organisation(cur, event, in_county_since=event.data["registered_on"])


def _party_organisation(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _update_organisation(cur, event, party_organisation_set_up_on=event.data["set_up_on"])


def _update_organisation(cur: psycopg.Cursor, event: CloudEvent, **columns: Any) -> None:
    sets = ", ".join(f"{name} = %s" for name in columns)
    cur.execute(
        f"UPDATE roster_organisation SET {sets}, version = %s WHERE organisation_id = %s",
        (*columns.values(), event.aggregateversion, event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"organisation {event.aggregateid} is not on the roster")


def _hired(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO roster_worker (worker_id, name, employer_id, hired_on, version) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (worker_id) DO NOTHING",
        (event.aggregateid, d["name"], d["employer_id"], d["hired_on"], event.aggregateversion),
    )


def _certificate(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO roster_certificate (worker_id, level, obtained_on) VALUES (%s, %s, %s) "
        "ON CONFLICT (worker_id, level) DO UPDATE SET obtained_on = EXCLUDED.obtained_on",
        (event.aggregateid, event.data["level"], event.data["obtained_on"]),
    )


def _labour_contract_signed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO roster_labour_contract (worker_id, version, starts_on, ends_on) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (event.aggregateid, event.aggregateversion, event.data["starts_on"], event.data["ends_on"]),
    )


def _labour_contract_renewed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _close_latest(cur, "roster_labour_contract", event.aggregateid, "ends_on = %s", event.data["ends_on"])


def _labour_contract_ended(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _close_latest(cur, "roster_labour_contract", event.aggregateid, "ended_on = %s", event.data["ended_on"])


def _assigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _open_assignment(cur, event, event.data["station_id"], event.data["assigned_on"])


def _transferred(cur: psycopg.Cursor, event: CloudEvent) -> None:
    on = event.data["transferred_on"]
    _close_assignment(cur, event, on, "transferred")
    _open_assignment(cur, event, event.data["station_id"], on)


def _unassigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _close_assignment(cur, event, event.data["unassigned_on"], event.data["reason"])


def _open_assignment(cur: psycopg.Cursor, event: CloudEvent, station_id: str, on: str) -> None:
    cur.execute(
        "INSERT INTO roster_assignment (worker_id, version, station_id, started_on) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (event.aggregateid, event.aggregateversion, station_id, on),
    )


def _close_assignment(cur: psycopg.Cursor, event: CloudEvent, on: str, reason: str) -> None:
    _close_latest(cur, "roster_assignment", event.aggregateid, "ended_on = %s, end_reason = %s", on, reason,
                  only_open="ended_on IS NULL")


def _close_latest(cur: psycopg.Cursor, table: str, worker_id: str, sets: str, *values: Any,
                  only_open: str = "TRUE") -> None:
    """Changes the worker's latest period in ``table`` (the one an end or renewal event refers to)."""
    cur.execute(
        f"UPDATE {table} SET {sets} WHERE worker_id = %s AND version = "
        f"(SELECT max(version) FROM {table} WHERE worker_id = %s AND {only_open})",
        (*values, worker_id, worker_id),
    )
    if cur.rowcount != 1:
        raise LookupError(f"worker {worker_id} has no open period in {table}")


def _paid(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO roster_pay (worker_id, period, employer_id, gross_fen, paid_on, below_minimum_wage, "
        "minimum_wage_fen) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, d["period"], d["employer_id"], d["gross_fen"], d["paid_on"], d["below_minimum_wage"],
         d["minimum_wage_fen"]),
    )


def _insured(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO roster_insurance (worker_id, item, enrolled_on) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, event.data["item"], event.data["enrolled_on"]),
    )


def _left(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE roster_worker SET left_on = %s, left_reason = %s, version = %s WHERE worker_id = %s",
        (event.data["left_on"], event.data["reason"], event.aggregateversion, event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"worker {event.aggregateid} is not on the roster")


def _supervisor_designated(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO roster_supervisor (worker_id, designated_on) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, event.data["designated_on"]),
    )


def _supervision_assigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO roster_supervision (worker_id, version, station_id, started_on) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (event.aggregateid, event.aggregateversion, event.data["station_id"], event.data["assigned_on"]),
    )


def _supervision_released(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE roster_supervision SET ended_on = %s WHERE worker_id = %s AND station_id = %s AND ended_on IS NULL",
        (event.data["released_on"], event.aggregateid, event.data["station_id"]),
    )
    if cur.rowcount != 1:
        raise LookupError(f"supervisor {event.aggregateid} has no open supervision of {event.data['station_id']}")
