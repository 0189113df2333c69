"""The registry (服务对象台账) and the programme's counts, from the service's own published events: beneficiaries
by station, village and target group, cases by stage, services by domain. It never holds personal data, so an
erasure changes nothing here except the date it records: the counts remain."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, Field

from shared.contracts import casework as c
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

DDL = (
    """
    CREATE TABLE IF NOT EXISTS registry_beneficiaries (
        beneficiary_id uuid PRIMARY KEY,
        station_id text NOT NULL,
        township_code text NOT NULL,
        village_code text NOT NULL,
        target_groups text[] NOT NULL,
        registered_on date NOT NULL,
        child boolean NOT NULL,
        possible_duplicates int NOT NULL,
        erased_on date,
        merged_into uuid,
        duplicate_ids uuid[] NOT NULL DEFAULT '{}'
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS registry_cases (
        case_id uuid PRIMARY KEY,
        beneficiary_id uuid NOT NULL,
        station_id text NOT NULL,
        stage text NOT NULL,
        opened_on date NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS registry_services (
        case_id uuid NOT NULL,
        sequence bigint NOT NULL,
        station_id text NOT NULL,
        on_day date NOT NULL,
        domain text NOT NULL,
        service_type text NOT NULL,
        minutes int NOT NULL,
        PRIMARY KEY (case_id, sequence)
    )
    """,
    # A page of the registry or of the cases, oldest first, in the county or at a station, is read off an index: its
    # cost stays flat however many people a county (or a province) has served.
    "CREATE INDEX IF NOT EXISTS registry_beneficiaries_oldest "
    "ON registry_beneficiaries (registered_on, beneficiary_id)",
    "CREATE INDEX IF NOT EXISTS registry_beneficiaries_station "
    "ON registry_beneficiaries (station_id, registered_on, beneficiary_id)",
    "CREATE INDEX IF NOT EXISTS registry_cases_oldest ON registry_cases (opened_on, case_id)",
    "CREATE INDEX IF NOT EXISTS registry_cases_station ON registry_cases (station_id, opened_on, case_id)",
)
STAGE_OF = {c.CaseAssessed: "assessed", c.CasePlanned: "planned", c.CaseServiceRecorded: "in_service",
            c.CaseReviewed: "reviewed", c.CaseClosed: "closed"}


class Registry(Projection):
    """Beneficiaries, cases and services, as published."""

    name = "casework.registry"
    ddl = DDL
    tables = ("registry_beneficiaries", "registry_cases", "registry_services")

    def handlers(self) -> dict[str, Handler]:
        stage_handlers: dict[str, Handler] = {
            contract.event_type(): (lambda cur, e, stage=stage: self._stage(cur, e, stage))
            for contract, stage in STAGE_OF.items()
        }
        return {
            **stage_handlers,
            c.BeneficiaryRegistered.event_type(): self._registered,
            c.BeneficiaryTargetGroupsChanged.event_type(): self._groups,
            c.BeneficiaryErased.event_type(): self._erased,
            c.BeneficiaryMergedInto.event_type(): self._merged,
            c.CaseOpened.event_type(): self._opened,
            c.CaseServiceRecorded.event_type(): self._service,
            c.CaseReopened.event_type(): self._reopened,
            c.CaseTransferred.event_type(): self._transferred,
        }

    @staticmethod
    def _registered(cur: psycopg.Cursor, e: CloudEvent) -> None:
        d = e.data
        duplicates = [flag["beneficiary_id"] for flag in d["possible_duplicates"]]
        cur.execute("INSERT INTO registry_beneficiaries VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, "
                    "%s::uuid[]) ON CONFLICT DO NOTHING",
                    (e.aggregateid, d["station_id"], d["township_code"], d["village_code"], d["target_groups"],
                     d["registered_on"], d["child"], len(duplicates), duplicates))

    @staticmethod
    def _groups(cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE registry_beneficiaries SET target_groups = %s WHERE beneficiary_id = %s",
                    (e.data["target_groups"], e.aggregateid))

    @staticmethod
    def _erased(cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE registry_beneficiaries SET erased_on = %s WHERE beneficiary_id = %s",
                    (e.data["erased_on"], e.aggregateid))

    @staticmethod
    def _merged(cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE registry_beneficiaries SET merged_into = %s WHERE beneficiary_id = %s",
                    (e.data["into_id"], e.aggregateid))

    @staticmethod
    def _opened(cur: psycopg.Cursor, e: CloudEvent) -> None:
        d = e.data
        cur.execute("INSERT INTO registry_cases VALUES (%s, %s, %s, 'intake', %s) ON CONFLICT DO NOTHING",
                    (e.aggregateid, d["beneficiary_id"], d["station_id"], d["opened_on"]))

    @staticmethod
    def _stage(cur: psycopg.Cursor, e: CloudEvent, stage: str) -> None:
        cur.execute("UPDATE registry_cases SET stage = %s WHERE case_id = %s", (stage, e.aggregateid))

    def _service(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        d = e.data
        cur.execute("INSERT INTO registry_services SELECT case_id, %s, station_id, %s, %s, %s, %s FROM registry_cases "
                    "WHERE case_id = %s ON CONFLICT DO NOTHING",
                    (e.sequence, d["on"], d["domain"], d["service_type"], d["minutes"], e.aggregateid))
        self._stage(cur, e, "in_service")

    @staticmethod
    def _reopened(cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE registry_cases SET stage = %s WHERE case_id = %s",
                    ("intake" if e.data["reassess"] else "planned", e.aggregateid))

    @staticmethod
    def _transferred(cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE registry_cases SET station_id = %s WHERE case_id = %s",
                    (e.data["station_id"], e.aggregateid))


class RegistryEntry(BaseModel):
    """A beneficiary in the registry: facts only."""

    beneficiary_id: UUID
    station_id: UUID
    township_code: str
    village_code: str
    target_groups: list[str]
    registered_on: date
    child: bool
    possible_duplicates: int
    erased_on: date | None
    merged_into: UUID | None


class CaseEntry(BaseModel):
    """A case in the registry: where it is and at which stage."""

    case_id: UUID
    beneficiary_id: UUID
    station_id: UUID
    stage: str
    opened_on: date


class Statistics(BaseModel):
    """The programme's casework counts (of one station, or all)."""

    beneficiaries: int = Field(description="people registered (duplicates merged into another record not counted)")
    erased: int = Field(description="of which personal data was erased (still counted)")
    merged: int = Field(description="duplicate records merged into another")
    by_target_group: dict[str, int]
    cases: int
    cases_by_stage: dict[str, int]
    services: int
    services_by_domain: dict[str, int]
    service_minutes: int


REGISTRY_PAGE = (
    "SELECT r.beneficiary_id, r.station_id, r.township_code, r.village_code, r.target_groups, r.registered_on, "
    "r.child, r.erased_on, r.merged_into, CASE WHEN %(d)s::text[] IS NULL THEN r.possible_duplicates ELSE "
    "(SELECT count(*)::int FROM registry_beneficiaries o WHERE o.beneficiary_id = ANY(r.duplicate_ids) "
    "AND o.station_id = ANY(%(d)s::text[])) END AS possible_duplicates "
    "FROM registry_beneficiaries r WHERE (%(s)s::text IS NULL OR station_id = %(s)s) "
    "AND (%(t)s::text IS NULL OR township_code = %(t)s) AND (%(g)s::text IS NULL OR %(g)s = ANY(target_groups)) "
    "ORDER BY registered_on, beneficiary_id OFFSET %(o)s LIMIT %(l)s")
CASES_PAGE = (
    "SELECT * FROM registry_cases WHERE (%(s)s::text IS NULL OR station_id = %(s)s) "
    "AND (%(g)s::text IS NULL OR stage = %(g)s) ORDER BY opened_on, case_id OFFSET %(o)s LIMIT %(l)s")


def registry(db: psycopg.Connection, station_id: UUID | None, township_code: str | None, target_group: str | None,
             offset: int, limit: int, duplicates_within: set[str] | None = None) -> list[dict[str, Any]]:
    """Beneficiaries, oldest first, by station, township or target group; ``duplicates_within``: count only the
    likely duplicates registered at these stations (a registrant's own)."""
    return db.execute(
        REGISTRY_PAGE,
        {"s": str(station_id) if station_id else None, "t": township_code, "g": target_group, "o": offset,
         "l": limit, "d": None if duplicates_within is None else sorted(duplicates_within)},
    ).fetchall()


def cases(db: psycopg.Connection, station_id: UUID | None, stage: str | None, offset: int,
          limit: int) -> list[dict[str, Any]]:
    """Cases, oldest first, by station or stage."""
    return db.execute(
        CASES_PAGE,
        {"s": str(station_id) if station_id else None, "g": stage, "o": offset, "l": limit},
    ).fetchall()


def statistics(db: psycopg.Connection, station_id: UUID | None) -> dict[str, Any]:
    """Counts of beneficiaries, cases and services."""
    s = {"s": str(station_id) if station_id else None}
    station = "(%(s)s::text IS NULL OR station_id = %(s)s)"
    people = db.execute("SELECT count(*) FILTER (WHERE merged_into IS NULL)::int AS n, count(merged_into)::int AS "
                        "merged, count(erased_on) FILTER (WHERE merged_into IS NULL)::int AS erased "
                        f"FROM registry_beneficiaries WHERE {station}", s).fetchone()
    groups = db.execute("SELECT g, count(*)::int AS n FROM registry_beneficiaries, unnest(target_groups) g "
                        f"WHERE {station} AND merged_into IS NULL GROUP BY g", s).fetchall()
    stages = db.execute(f"SELECT stage, count(*)::int AS n FROM registry_cases WHERE {station} GROUP BY stage",
                        s).fetchall()
    domains = db.execute("SELECT domain, count(*)::int AS n, sum(minutes)::int AS m FROM registry_services "
                         f"WHERE {station} GROUP BY domain", s).fetchall()
    assert people is not None
    return {
        "beneficiaries": people["n"], "erased": people["erased"], "merged": people["merged"],
        "by_target_group": {r["g"]: r["n"] for r in groups},
        "cases": sum(r["n"] for r in stages), "cases_by_stage": {r["stage"]: r["n"] for r in stages},
        "services": sum(r["n"] for r in domains), "services_by_domain": {r["domain"]: r["n"] for r in domains},
        "service_minutes": sum(r["m"] for r in domains),
    }
