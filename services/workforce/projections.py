"""Workforce read models (花名册, 目标), fed by the stream, and their queries.

- ``Roster`` (from the workforce service's own events only): organisations, workers, dated station
  assignment periods, certificates, labour contracts, pay, insurance, supervisors and their dated
  supervision periods. Every "as of a date" answer is a query over these dated rows. It holds no
  personal data: the published events carry none.
- ``Targets``: the county baseline and yearly figures (workforce events) and the household-registered
  population per township (stations events: the county plan and its dated amendments).
- ``ContractsHeld``: turns the stations service's contract events into the application's idempotent
  ``record_contract`` / ``record_contract_ended`` commands (source seq = the event's sequence).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from services.workforce.application import Workforce
from services.workforce.domain import CertificateLevel, InsuranceItem, Policy, assess_targets
from shared.contracts import stations as s
from shared.contracts import workforce as c
from shared.domain import SYSTEM, Invalid, NotFound
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

# --- roster ------------------------------------------------------------------------------------

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
            c.OrganisationRegistered.event_type(): _organisation_registered,
            c.OrganisationRegisteredInCounty.event_type(): _organisation_in_county,
            c.PartyOrganisationSetUp.event_type(): _party_organisation,
            c.WorkerHired.event_type(): _hired,
            c.WorkerCertificateObtained.event_type(): _certificate,
            c.LabourContractSigned.event_type(): _labour_contract_signed,
            c.LabourContractRenewed.event_type(): _labour_contract_renewed,
            c.LabourContractEnded.event_type(): _labour_contract_ended,
            c.WorkerAssignedToStation.event_type(): _assigned,
            c.WorkerTransferredToStation.event_type(): _transferred,
            c.WorkerUnassignedFromStation.event_type(): _unassigned,
            c.WorkerPayRecorded.event_type(): _paid,
            c.WorkerInsuranceEnrolled.event_type(): _insured,
            c.WorkerLeft.event_type(): _left,
            c.SupervisorDesignated.event_type(): _supervisor_designated,
            c.StationSupervisionAssigned.event_type(): _supervision_assigned,
            c.StationSupervisionReleased.event_type(): _supervision_released,
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


# --- targets: baseline and population ------------------------------------------------------------

TARGETS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS targets_baseline (
        baseline_id uuid PRIMARY KEY,
        county_code text NOT NULL UNIQUE,
        year int NOT NULL,
        certified_social_workers int NOT NULL,
        professionals int NOT NULL,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS targets_yearly (
        baseline_id uuid NOT NULL,
        year int NOT NULL,
        certified_social_workers int NOT NULL,
        professionals int NOT NULL,
        PRIMARY KEY (baseline_id, year)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS targets_county_plan (
        plan_id uuid PRIMARY KEY,
        county_code text NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS targets_population (
        county_code text NOT NULL,
        township_code text NOT NULL,
        effective_on date NOT NULL,
        population int NOT NULL,
        PRIMARY KEY (county_code, township_code, effective_on)
    )
    """,
)


class Targets(Projection):
    """The county baseline and yearly figures, and the household-registered population (户籍人口) by date."""

    name = "workforce.targets"
    ddl = TARGETS_DDL
    tables = ("targets_baseline", "targets_yearly", "targets_county_plan", "targets_population")

    def handlers(self) -> dict[str, Handler]:
        return {
            c.BaselineEntered.event_type(): _baseline_entered,
            c.BaselineCorrected.event_type(): _baseline_corrected,
            c.BaselineYearlyFiguresRecorded.event_type(): _yearly_figures,
            s.CountyPlanEstablished.event_type(): _county_plan,
            s.TownshipAdded.event_type(): _township_added,
            s.TownshipPopulationAmended.event_type(): _population_amended,
        }


def _baseline_entered(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO targets_baseline (baseline_id, county_code, year, certified_social_workers, professionals, "
        "version) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (baseline_id) DO NOTHING",
        (event.aggregateid, d["county_code"], d["year"], d["certified_social_workers"], d["professionals"],
         event.aggregateversion),
    )


def _baseline_corrected(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE targets_baseline SET certified_social_workers = %s, professionals = %s, version = %s "
        "WHERE baseline_id = %s",
        (event.data["certified_social_workers"], event.data["professionals"], event.aggregateversion,
         event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"baseline {event.aggregateid} was not entered")


def _yearly_figures(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO targets_yearly (baseline_id, year, certified_social_workers, professionals) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (baseline_id, year) DO UPDATE SET "
        "certified_social_workers = EXCLUDED.certified_social_workers, professionals = EXCLUDED.professionals",
        (event.aggregateid, d["year"], d["certified_social_workers"], d["professionals"]),
    )
    cur.execute("UPDATE targets_baseline SET version = %s WHERE baseline_id = %s",
                (event.aggregateversion, event.aggregateid))


def _county_plan(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO targets_county_plan (plan_id, county_code) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, d["county_code"]),
    )
    for township in d["townships"]:
        _set_population(cur, d["county_code"], township["code"], township["population_as_of"],
                        township["population"])


def _township_added(cur: psycopg.Cursor, event: CloudEvent) -> None:
    t = event.data["township"]
    _set_population(cur, event.data["county_code"], t["code"], t["population_as_of"], t["population"])


def _population_amended(cur: psycopg.Cursor, event: CloudEvent) -> None:
    row = cur.execute("SELECT county_code FROM targets_county_plan WHERE plan_id = %s",
                      (event.aggregateid,)).fetchone()
    if row is None:
        raise LookupError(f"county plan {event.aggregateid} has not been established")
    d = event.data
    _set_population(cur, row["county_code"], d["township_code"], d["effective_on"], d["population"])


def _set_population(cur: psycopg.Cursor, county: str, township: str, on: str, population: int) -> None:
    cur.execute(
        "INSERT INTO targets_population (county_code, township_code, effective_on, population) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (county_code, township_code, effective_on) "
        "DO UPDATE SET population = EXCLUDED.population",
        (county, township, on, population),
    )


# --- contracts held: stations events become workforce commands ------------------------------------

CONTRACTS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS contracts_held (
        contract_id uuid PRIMARY KEY,
        organisation_ref text NOT NULL,
        organisation_id uuid,
        station_ids uuid[] NOT NULL,
        source_seq bigint NOT NULL,
        ended boolean NOT NULL DEFAULT false,
        recorded boolean NOT NULL DEFAULT false
    )
    """,
    "CREATE INDEX IF NOT EXISTS contracts_held_organisation ON contracts_held (organisation_id)",
)


class ContractsHeld(Projection):
    """Service contracts signed, amended and terminated in the stations service, recorded on organisations.

    A contract for an organisation the workforce service does not know yet waits in ``contracts_held`` and is
    recorded when the organisation registers. Commands are idempotent on the stations event's sequence.
    """

    name = "workforce.contracts_held"
    ddl = CONTRACTS_DDL
    tables = ("contracts_held",)

    def __init__(self, app: Workforce | None) -> None:
        self.app = app

    def handlers(self) -> dict[str, Handler]:
        return {
            s.ServiceContractSigned.event_type(): self._signed,
            s.ServiceContractAmended.event_type(): self._amended,
            s.ServiceContractTerminated.event_type(): self._terminated,
            c.OrganisationRegistered.event_type(): self._organisation_registered,
        }

    def _signed(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        ref = event.data["organisation_id"]
        cur.execute(
            "INSERT INTO contracts_held (contract_id, organisation_ref, organisation_id, station_ids, source_seq) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (contract_id) DO UPDATE SET "
            "station_ids = EXCLUDED.station_ids, source_seq = EXCLUDED.source_seq",
            (event.aggregateid, ref, organisation_id_of(ref), event.data["station_ids"], event.sequence),
        )
        self._record(cur, event.aggregateid, event)

    def _amended(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        cur.execute(
            "UPDATE contracts_held SET station_ids = %s, source_seq = %s WHERE contract_id = %s",
            (event.data["station_ids"], event.sequence, event.aggregateid),
        )
        if cur.rowcount != 1:
            raise LookupError(f"service contract {event.aggregateid} was not signed")
        self._record(cur, event.aggregateid, event)

    def _terminated(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        row = cur.execute(
            "UPDATE contracts_held SET ended = true, source_seq = %s WHERE contract_id = %s "
            "RETURNING organisation_id, recorded",
            (event.sequence, event.aggregateid),
        ).fetchone()
        if row is None:
            raise LookupError(f"service contract {event.aggregateid} was not signed")
        if row["recorded"]:
            self._command(lambda app, ctx: app.record_contract_ended(
                ctx, organisation_id=row["organisation_id"], contract_id=event.aggregateid,
                source_seq=event.sequence), event)

    def _organisation_registered(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        waiting = cur.execute(
            "SELECT contract_id FROM contracts_held WHERE NOT recorded AND NOT ended AND "
            "(organisation_id = %s OR organisation_ref = %s)",
            (event.aggregateid, event.data["unified_social_credit_code"]),
        ).fetchall()
        for row in waiting:
            cur.execute("UPDATE contracts_held SET organisation_id = %s WHERE contract_id = %s",
                        (event.aggregateid, row["contract_id"]))
            self._record(cur, str(row["contract_id"]), event)

    def _record(self, cur: psycopg.Cursor, contract_id: str, event: CloudEvent) -> None:
        """Records the contract's current stations on its organisation, if the organisation is registered."""
        row = cur.execute("SELECT * FROM contracts_held WHERE contract_id = %s", (contract_id,)).fetchone()
        assert row is not None
        app = self._app()
        if row["ended"] or row["organisation_id"] is None or not app.exists(row["organisation_id"]):
            return  # recorded when the organisation registers
        self._command(lambda a, ctx: a.record_contract(
            ctx, organisation_id=row["organisation_id"], contract_id=contract_id,
            station_ids=[str(x) for x in row["station_ids"]], source_seq=row["source_seq"]), event)
        cur.execute("UPDATE contracts_held SET recorded = true WHERE contract_id = %s", (contract_id,))

    def _command(self, act: Any, event: CloudEvent) -> None:
        ctx = replace(SYSTEM, actor="workforce.contracts_held", correlation_id=event.correlationid,
                      causation_id=event.id)
        act(self._app(), ctx)  # a refusal (e.g. a concurrent save) is retried by the runner, then dead-lettered

    def _app(self) -> Workforce:
        if self.app is None:
            raise LookupError("the contracts-held projection runs only inside the workforce service")
        return self.app


def organisation_id_of(ref: str) -> str | None:
    """The workforce organisation id a stations event names: its id, or its unified social credit code."""
    try:
        return str(UUID(ref))
    except ValueError:
        pass
    try:
        return str(Workforce.organisation_id_for(ref))
    except Invalid:
        return None


# --- queries ---------------------------------------------------------------------------------------

LEVEL_RANK = {level.value: rank for rank, level in enumerate(CertificateLevel, start=1)}
INSURANCE_ITEMS = [item.value for item in InsuranceItem]

ACTIVE = "w.hired_on <= %(d)s AND (w.left_on IS NULL OR w.left_on > %(d)s)"
AT_STATION = "a.started_on <= %(d)s AND (a.ended_on IS NULL OR a.ended_on > %(d)s)"

WORKERS_AS_OF = f"""
SELECT w.worker_id, w.name, w.employer_id, o.name AS employer_name, w.hired_on,
       a.station_id, a.started_on AS at_station_since,
       (SELECT array_agg(ce.level ORDER BY ce.level) FROM roster_certificate ce
         WHERE ce.worker_id = w.worker_id AND ce.obtained_on <= %(d)s) AS certificates,
       (SELECT array_agg(i.item ORDER BY i.item) FROM roster_insurance i
         WHERE i.worker_id = w.worker_id AND i.enrolled_on <= %(d)s) AS insurance,
       EXISTS (SELECT 1 FROM roster_labour_contract lc WHERE lc.worker_id = w.worker_id AND lc.starts_on <= %(d)s
               AND (lc.ended_on IS NULL OR lc.ended_on > %(d)s)
               AND (lc.ends_on IS NULL OR lc.ends_on >= %(d)s)) AS labour_contract_in_force
FROM roster_worker w
LEFT JOIN roster_organisation o ON o.organisation_id = w.employer_id
LEFT JOIN roster_assignment a ON a.worker_id = w.worker_id AND {AT_STATION}
WHERE {ACTIVE}
"""


def _filters(conditions: dict[str, Any]) -> str:
    return "".join(f" AND {sql}" for sql, value in conditions.items() if value is not None)


def workers_as_of(conn: psycopg.Connection, as_of: date, station_id: str | None = None,
                  organisation_id: str | None = None) -> list[dict[str, Any]]:
    """Every worker in the workforce on ``as_of``, with station, certificates, insurance and contract then."""
    params = {"d": as_of, "station": station_id, "organisation": organisation_id}
    where = _filters({"a.station_id = %(station)s": station_id, "w.employer_id = %(organisation)s": organisation_id})
    rows = conn.execute(f"{WORKERS_AS_OF}{where} ORDER BY w.name, w.worker_id", params).fetchall()
    return [_worker_row(r) for r in rows]


def _worker_row(row: dict[str, Any]) -> dict[str, Any]:
    certificates = list(row["certificates"] or [])
    insurance = list(row["insurance"] or [])
    return {
        "worker_id": str(row["worker_id"]),
        "name": row["name"],
        "employer_id": str(row["employer_id"]),
        "employer_name": row["employer_name"],
        "hired_on": row["hired_on"].isoformat(),
        "station_id": str(row["station_id"]) if row["station_id"] else None,
        "at_station_since": row["at_station_since"].isoformat() if row["at_station_since"] else None,
        "certificate_level": max(certificates, key=lambda lv: LEVEL_RANK.get(lv, 0)) if certificates else None,
        "certified": bool(certificates),
        "insurance": insurance,
        "fully_insured": set(INSURANCE_ITEMS) <= set(insurance),
        "labour_contract_in_force": row["labour_contract_in_force"],
    }


def roster(conn: psycopg.Connection, as_of: date, station_id: str | None, organisation_id: str | None,
           limit: int, offset: int) -> dict[str, Any]:
    """A page of the roster as of a date (no personal data: the caller adds masked identities)."""
    items = workers_as_of(conn, as_of, station_id, organisation_id)
    return {"as_of": as_of.isoformat(), "items": items[offset:offset + limit], "total": len(items),
            "limit": limit, "offset": offset}


def stations_as_of(conn: psycopg.Connection, as_of: date) -> dict[str, Any]:
    """Per station on ``as_of``: headcount, certified count, the workers and the supervisors covering it."""
    stations: dict[str, dict[str, Any]] = {}
    for worker in workers_as_of(conn, as_of):
        if worker["station_id"] is None:
            continue
        entry = _station_entry(stations, worker["station_id"])
        entry["headcount"] += 1
        entry["certified"] += int(worker["certified"])
        entry["workers"].append({"worker_id": worker["worker_id"], "name": worker["name"],
                                 "certificate_level": worker["certificate_level"]})
    for row in conn.execute(
        "SELECT sv.station_id, sv.worker_id, w.name FROM roster_supervision sv JOIN roster_worker w "
        "ON w.worker_id = sv.worker_id WHERE sv.started_on <= %(d)s AND (sv.ended_on IS NULL OR sv.ended_on > %(d)s) "
        "ORDER BY w.name", {"d": as_of},
    ).fetchall():
        entry = _station_entry(stations, str(row["station_id"]))
        entry["supervisors"].append({"supervisor_id": str(row["worker_id"]), "name": row["name"]})
    items = [stations[k] for k in sorted(stations)]
    return {"as_of": as_of.isoformat(), "items": items, "total": len(items)}


def _station_entry(stations: dict[str, dict[str, Any]], station_id: str) -> dict[str, Any]:
    return stations.setdefault(station_id, {"station_id": station_id, "headcount": 0, "certified": 0,
                                            "workers": [], "supervisors": []})


def organisations_as_of(conn: psycopg.Connection, as_of: date, month: str,
                        organisation_id: str | None = None) -> dict[str, Any]:
    """Per organisation on ``as_of``: headcount, certified, insurance coverage, and the month's payroll total."""
    where = " WHERE organisation_id = %(o)s" if organisation_id else ""
    orgs = conn.execute(f"SELECT * FROM roster_organisation{where} ORDER BY name",
                        {"o": organisation_id}).fetchall()
    workers = workers_as_of(conn, as_of, organisation_id=organisation_id)
    payroll = {r["employer_id"]: r for r in conn.execute(
        "SELECT employer_id, sum(gross_fen)::bigint AS total_fen, count(*) AS workers_paid, "
        "count(*) FILTER (WHERE below_minimum_wage) AS below FROM roster_pay WHERE period = %s GROUP BY employer_id",
        (month,),
    ).fetchall()}
    items = []
    for org in orgs:
        own = [w for w in workers if w["employer_id"] == str(org["organisation_id"])]
        pay = payroll.get(org["organisation_id"])
        items.append({
            "organisation_id": str(org["organisation_id"]),
            "name": org["name"],
            "registered_in_county": org["in_county_since"] is not None and org["in_county_since"] <= as_of,
            "party_organisation": bool(org["party_organisation_set_up_on"]
                                       and org["party_organisation_set_up_on"] <= as_of),
            "headcount": len(own),
            "certified": sum(w["certified"] for w in own),
            "insurance": _coverage(own),
            "payroll": {"month": month, "total_fen": pay["total_fen"] if pay else 0,
                        "workers_paid": pay["workers_paid"] if pay else 0,
                        "below_minimum_wage": pay["below"] if pay else 0},
        })
    return {"as_of": as_of.isoformat(), "month": month, "items": items, "total": len(items)}


def _coverage(workers: list[dict[str, Any]]) -> dict[str, Any]:
    fully = sum(w["fully_insured"] for w in workers)
    return {
        "fully_insured": fully,
        "coverage": round(fully / len(workers), 4) if workers else None,
        "by_item": {item: sum(item in w["insurance"] for w in workers) for item in INSURANCE_ITEMS},
    }


def payroll(conn: psycopg.Connection, organisation_id: str, month: str | None) -> dict[str, Any]:
    """An organisation's payroll: per month totals, or one month's lines."""
    if not conn.execute("SELECT 1 FROM roster_organisation WHERE organisation_id = %s",
                        (organisation_id,)).fetchone():
        raise NotFound(f"organisation {organisation_id} is not on the roster")
    if month is None:
        months = conn.execute(
            "SELECT period AS month, sum(gross_fen)::bigint AS total_fen, count(*) AS workers_paid, "
            "count(*) FILTER (WHERE below_minimum_wage) AS below_minimum_wage FROM roster_pay "
            "WHERE employer_id = %s GROUP BY period ORDER BY period", (organisation_id,),
        ).fetchall()
        return {"organisation_id": organisation_id, "months": [dict(m) for m in months]}
    lines = conn.execute(
        "SELECT p.worker_id, w.name, p.gross_fen, p.paid_on, p.below_minimum_wage, p.minimum_wage_fen "
        "FROM roster_pay p JOIN roster_worker w ON w.worker_id = p.worker_id "
        "WHERE p.employer_id = %s AND p.period = %s ORDER BY w.name", (organisation_id, month),
    ).fetchall()
    return {
        "organisation_id": organisation_id,
        "month": month,
        "total_fen": sum(line["gross_fen"] for line in lines),
        "workers_paid": len(lines),
        "below_minimum_wage": sum(line["below_minimum_wage"] for line in lines),
        "lines": [{**line, "worker_id": str(line["worker_id"]), "paid_on": line["paid_on"].isoformat()}
                  for line in lines],
    }


def supervisors_as_of(conn: psycopg.Connection, as_of: date, policy: Policy) -> dict[str, Any]:
    """Per supervisor on ``as_of``: the stations covered, against the policy's 5–8, with a warning below it."""
    rows = conn.execute(
        f"SELECT s.worker_id, w.name, s.designated_on, (SELECT array_agg(sv.station_id::text ORDER BY sv.started_on) "
        f"FROM roster_supervision sv WHERE sv.worker_id = s.worker_id AND sv.started_on <= %(d)s "
        f"AND (sv.ended_on IS NULL OR sv.ended_on > %(d)s)) AS stations "
        f"FROM roster_supervisor s JOIN roster_worker w ON w.worker_id = s.worker_id "
        f"WHERE s.designated_on <= %(d)s AND {ACTIVE} ORDER BY w.name",
        {"d": as_of},
    ).fetchall()
    low, high = policy.supervisor_min_stations, policy.supervisor_max_stations
    items = []
    for row in rows:
        stations = list(row["stations"] or [])
        below = len(stations) < low
        items.append({
            "supervisor_id": str(row["worker_id"]),
            "name": row["name"],
            "designated_on": row["designated_on"].isoformat(),
            "stations": stations,
            "count": len(stations),
            "minimum": low,
            "maximum": high,
            "status": "below_minimum" if below else "within_range",
            "warnings": [{
                "code": "workforce.supervisor.below_minimum",
                "message": f"{row['name']} supervises {len(stations)} stations: the plan expects at least {low}",
                "data": {"count": len(stations), "minimum": low},
            }] if below else [],
        })
    return {"as_of": as_of.isoformat(), "items": items, "total": len(items)}


def targets(conn: psycopg.Connection, county_code: str, as_of: date, policy: Policy) -> dict[str, Any]:
    """The workforce targets on ``as_of``, assessed by the domain from the read models' figures."""
    baseline = conn.execute("SELECT * FROM targets_baseline WHERE county_code = %s", (county_code,)).fetchone()
    if baseline is None:
        raise NotFound(f"no workforce baseline has been entered for county {county_code}")
    recorded = {r["year"]: r for r in conn.execute(
        "SELECT * FROM targets_yearly WHERE baseline_id = %s", (baseline["baseline_id"],)).fetchall()}
    base_year = baseline["year"]
    certified: dict[int, dict[str, Any]] = {}
    for year in range(base_year + 1, as_of.year + 1):
        if year in recorded:
            certified[year] = {"count": recorded[year]["certified_social_workers"], "source": "recorded"}
        else:
            day = min(date(year, 12, 31), as_of)
            certified[year] = {"count": _certified_count(conn, day), "source": f"roster as of {day.isoformat()}"}
    professionals = _professionals(conn, baseline, recorded, as_of)
    population = population_as_of(conn, county_code, as_of)
    organisations = conn.execute(
        "SELECT count(*) AS n FROM roster_organisation WHERE in_county_since <= %s", (as_of,)).fetchone()["n"]
    assessed = assess_targets(
        {"year": base_year, "certified_social_workers": baseline["certified_social_workers"],
         "professionals": baseline["professionals"]},
        {year: figure["count"] for year, figure in certified.items()},
        professionals["count"], population["population"], organisations, as_of, policy,
    )
    return {
        "county_code": county_code,
        "as_of": as_of.isoformat(),
        "baseline": {"year": base_year, "certified_social_workers": baseline["certified_social_workers"],
                     "professionals": baseline["professionals"]},
        "figures": {
            "certified_by_year": {str(y): f for y, f in certified.items()},
            "professionals": professionals,
            "population": population,
            "registered_organisations": organisations,
        },
        "targets": assessed,
    }


def _certified_count(conn: psycopg.Connection, day: date) -> int:
    row = conn.execute(
        f"SELECT count(*) AS n FROM roster_worker w WHERE {ACTIVE} AND EXISTS (SELECT 1 FROM roster_certificate ce "
        f"WHERE ce.worker_id = w.worker_id AND ce.obtained_on <= %(d)s)", {"d": day},
    ).fetchone()
    return row["n"]


def _professionals(conn: psycopg.Connection, baseline: dict[str, Any], recorded: dict[int, Any],
                   as_of: date) -> dict[str, Any]:
    if as_of.year <= baseline["year"]:
        return {"count": baseline["professionals"], "source": "baseline"}
    if as_of.year in recorded:
        return {"count": recorded[as_of.year]["professionals"], "source": "recorded"}
    row = conn.execute(f"SELECT count(*) AS n FROM roster_worker w WHERE {ACTIVE}", {"d": as_of}).fetchone()
    return {"count": row["n"], "source": f"roster as of {as_of.isoformat()}"}


def population_as_of(conn: psycopg.Connection, county_code: str, as_of: date) -> dict[str, Any]:
    """The county's household-registered population on ``as_of``: per township the figure in force then
    (the plan's figure for dates before it was taken)."""
    rows = conn.execute(
        "SELECT DISTINCT ON (township_code) township_code, population, effective_on FROM targets_population "
        "WHERE county_code = %s ORDER BY township_code, (effective_on <= %s) DESC, "
        "CASE WHEN effective_on <= %s THEN effective_on END DESC NULLS LAST, effective_on ASC",
        (county_code, as_of, as_of),
    ).fetchall()
    return {"population": sum(r["population"] for r in rows), "townships": len(rows)}
