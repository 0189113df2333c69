"""``make bench``'s county section: a whole county's year over HTTP (``benchmarks.county``), each repetition a fresh
county on services, databases and a stream of its own, with its own seed, beside raw ``eventsourcing`` saves measured
just before it."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from benchmarks import commands, raw
from benchmarks.county import CountyYearCalls
from benchmarks.county_run import SERVICES, CountyRunner, findings, published_events
from benchmarks.load import Progress
from benchmarks.widgets import SERVICE
from deploy.cleanup import delete_run_streams, drop_run_databases
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
    system = commands.start(settings)
    try:
        year = CountyYearCalls(seed, beneficiaries)
        phases = year.phases()
        bar = Progress(f"county year {rep + 1}", sum(p.calls() for p in phases))
        tally = CountyRunner(settings, system.urls, seed, THREADS).run(phases, bar.update)
        events = {s: published_events(settings, s) for s in SERVICES[:3]}
        lag = sum(commands.wait_for_ledger(settings, s, n) for s, n in events.items())
        asked = time.perf_counter()
        found = findings(settings, system.urls["audit"], year.until)
        asked = time.perf_counter() - asked
        return Year(tally.calls(), tally.calls() / tally.seconds,
                    {s: statistics.median(v) * 1000 for s, v in tally.latency.items()},
                    {s: commands.ms(v, 99) for s, v in tally.latency.items()}, tenths(tally.latency["casework"]),
                    sum(events.values()), lag, sum(1 for f in found if f["open"]),
                    asked * 1000, saves)
    finally:
        system.stop()
        drop_run_databases(settings)
        asyncio.run(delete_run_streams(settings))
