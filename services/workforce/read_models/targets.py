"""目标: the targets read model (baseline, yearly figures, population by township and date) and the targets query.

The county baseline and yearly figures come from workforce events; the household-registered population per
township from stations events (the county plan and its dated amendments).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from pydantic import BaseModel, Field

from services.workforce.domain import (
    Policy,
    assess_targets,
)
from services.workforce.read_models.roster_queries import ACTIVE
from shared.contracts import stations as stations_contracts
from shared.contracts import workforce as workforce_contracts
from shared.domain import NotFound
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection


class Figure(BaseModel):
    """A count and where it comes from (baseline, recorded yearly figures, or the roster on a date)."""

    count: int
    source: str = Field(description="baseline, recorded (a yearly figure entered), or roster as of <date>")
    official: bool = Field(description="true for a figure the bureau entered (baseline or recorded yearly figure); "
                                       "false for a count of the roster, the software's estimate until one is entered")


class Population(BaseModel):
    """The county's household-registered population (户籍人口) on a date."""

    population: int
    townships: int


class TargetFigures(BaseModel):
    """The figures the targets were assessed on."""

    certified_by_year: dict[str, Figure]
    professionals: Figure
    population: Population
    registered_organisations: int


class BaselineFigures(BaseModel):
    """The baseline year's counts."""

    year: int
    certified_social_workers: int
    professionals: int


class Target(BaseModel):
    """One of the plan's workforce targets."""

    target: str
    value: float | int | None
    threshold: float | int
    status: str = Field(description="met, on_track or at_risk")
    deadline: date


class TargetsReport(BaseModel):
    """The workforce targets on a date, with the figures they were assessed on."""

    county_code: str
    as_of: date
    baseline: BaselineFigures
    figures: TargetFigures
    official_figures: list[str] = Field(description="the figures entered by the bureau (the baseline is always one)")
    roster_figures: list[str] = Field(description="the figures counted from the roster, not yet entered officially")
    targets: list[Target]


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
            workforce_contracts.BaselineEntered.event_type(): _baseline_entered,
            workforce_contracts.BaselineCorrected.event_type(): _baseline_corrected,
            workforce_contracts.BaselineYearlyFiguresRecorded.event_type(): _yearly_figures,
            stations_contracts.CountyPlanEstablished.event_type(): _county_plan,
            stations_contracts.TownshipAdded.event_type(): _township_added,
            stations_contracts.TownshipPopulationAmended.event_type(): _population_amended,
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
            certified[year] = {"count": recorded[year]["certified_social_workers"], "source": "recorded",
                               "official": True}
        else:
            day = min(date(year, 12, 31), as_of)
            certified[year] = {"count": _certified_count(conn, day), "source": f"roster as of {day.isoformat()}",
                               "official": False}
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
        **_provenance(certified, professionals),
        "targets": assessed,
    }


def _provenance(certified: dict[int, dict[str, Any]], professionals: dict[str, Any]) -> dict[str, list[str]]:
    """Which figures the bureau entered and which the roster gave (the population is the county plan's)."""
    figures = {**{f"certified_by_year.{y}": f for y, f in certified.items()}, "professionals": professionals}
    return {"official_figures": ["baseline", *(n for n, f in figures.items() if f["official"])],
            "roster_figures": [n for n, f in figures.items() if not f["official"]]}


def _certified_count(conn: psycopg.Connection, day: date) -> int:
    row = conn.execute(
        f"SELECT count(*) AS n FROM roster_worker w WHERE {ACTIVE} AND EXISTS (SELECT 1 FROM roster_certificate ce "
        f"WHERE ce.worker_id = w.worker_id AND ce.obtained_on <= %(d)s)", {"d": day},
    ).fetchone()
    return row["n"]


def _professionals(conn: psycopg.Connection, baseline: dict[str, Any], recorded: dict[int, Any],
                   as_of: date) -> dict[str, Any]:
    if as_of.year <= baseline["year"]:
        return {"count": baseline["professionals"], "source": "baseline", "official": True}
    if as_of.year in recorded:
        return {"count": recorded[as_of.year]["professionals"], "source": "recorded", "official": True}
    # 社工专业人才: only certified workers count, not every worker on the roster.
    return {"count": _certified_count(conn, as_of), "source": f"roster as of {as_of.isoformat()}",
            "official": False}


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
