"""``make bench``'s county section: a whole county's year over HTTP (``benchmarks.county``), each repetition a fresh
county on services, databases and a stream of its own, with its own seed, beside raw ``eventsourcing`` saves measured
just before it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks import commands, raw
from benchmarks.county import CountyYearCalls
from benchmarks.county_run import run_year
from benchmarks.widgets import SERVICE
from shared import store
from shared.settings import Settings

THREADS = 8


@dataclass
class Year:
    """One county year's figures."""

    calls: int
    calls_per_s: float
    p50_ms: dict[str, float]
    p99_ms: dict[str, float]
    casework_tenths_ms: tuple[float, float]  # casework p50 over the first and the last tenth of its calls
    events: int  # published by the three services
    ledger_lag_s: float  # after the last answer, until the ledger held every event
    open_findings: int
    findings_ms: float  # GET /v1/findings at the year's end: every rule evaluated over the year's facts
    raw_saves: float  # raw eventsourcing saves per second, 1 thread, measured just before the year


RAW_SAVES = 1_000


def tenths(seconds: list[float]) -> tuple[float, float]:
    """p50 (ms) of the first and of the last tenth of calls, in the order they were answered."""
    tenth = max(len(seconds) // 10, 1)
    return commands.ms(seconds[:tenth], 50), commands.ms(seconds[-tenth:], 50)


def one_year(base: Settings, rep: int, seed: int, beneficiaries: int) -> Year:
    """A county's year on services of its own."""
    settings = base.model_copy(update={"database_prefix": f"{base.database_prefix}y{rep}_",
                                       "subject_prefix": f"{base.subject_prefix}y{rep}"})
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    saves = raw.eventsourcing_saves(settings, RAW_SAVES, 1)
    with commands.own_system(settings) as system:
        run = run_year(settings, system.urls, CountyYearCalls(seed, beneficiaries), THREADS, f"county year {rep + 1}")
    latency = run.tally.latency
    return Year(run.tally.calls(), run.tally.calls() / run.tally.seconds,
                {s: statistics.median(v) * 1000 for s, v in latency.items()},
                {s: commands.ms(v, 99) for s, v in latency.items()},
                tenths(latency["casework"]), sum(run.events.values()), run.ledger_s,
                sum(1 for f in run.found if f["open"]), run.findings_s * 1000, saves)
