"""``make bench``: every figure of the pipeline beside the raw limit it is bounded by, measured in the same run.

    .venv/bin/python -m benchmarks.bench [--quick] [--reps 3] [--history 10000,100000] [--million] [--label after]
        [--sections pipeline,freshness] [--rate 15]

Uses the machine's PostgreSQL and NATS when they answer (``SW_DATABASE_URL``, ``SW_NATS_URL``), else starts its
own, like ``make run``; its databases and stream have a prefix of their own and are removed at the end. Writes
``benchmarks/results/<date>[-label].json`` and ``.md`` (min / median / max of the repetitions, the limit, the
ratio and the target) and prints the table; the files are rewritten after every figure, so a run stopped early
keeps what it measured. ``--quick`` (or ``SW_BENCH_QUICK=1``): one repetition, smaller runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import casework_growth, catchup, commands, county_bench, raw, rebuilds, settle
from benchmarks.casework_history import CaseworkHistory
from benchmarks.figures import HEADER, Figure, markdown_row
from benchmarks.load import History
from benchmarks.pipeline import relay_all
from benchmarks.widgets import SERVICE, Widgets, WidgetTotals
from deploy import infra
from deploy.cleanup import delete_run_streams, drop_run_databases
from services.audit.projections import LedgerProjection
from services.workforce.read_models.station_townships import StationTownships
from shared import pull, store, stream
from shared.domain import county_today
from shared.projection import Projection, ProjectionRunner
from shared.settings import Settings
from shared.shadow import Shadow

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Options:
    """How much to measure."""

    reps: int
    events: int  # events per pipeline repetition
    commands: int  # commands per closed-loop run
    rate: float  # freshness: commands per second
    seconds: float  # freshness: duration
    long_aggregate: int
    history: list[int]
    seed: int
    beneficiaries: int = 0  # the county year's


class Bench:
    """Runs every section and collects figures."""

    def __init__(self, settings: Settings, options: Options, label: str = "") -> None:
        self.settings, self.options, self.figures = settings, options, []
        self.raw_saves: list[float] = []
        self.started, self.label = datetime.now(UTC), label
        self.machine = machine()  # the load average as the run starts, not as its last figure is written

    def add(self, figure: Figure) -> Figure:
        """Keeps a figure, prints it and rewrites the results files."""
        self.figures.append(figure)
        print(markdown_row(figure), flush=True)
        write(self, self.options, self.started, self.label)
        return figure

    # --- the pipeline beside raw PostgreSQL and JetStream ---------------------------------------
    async def pipeline(self) -> None:
        """Raw commits and saves, relay vs raw publish, ledger vs raw fetch and insert, rebuild vs log read."""
        s, o = self.settings, self.options
        store.ensure_database(s.database_url, s.database_name(SERVICE))
        store.ensure_database(s.database_url, s.database_name(PROJECTIONS_DB))
        rawset = await raw.ensure_raw_stream(s)
        nc = await stream.connect(s, "bench")
        js = nc.jetstream()
        await stream.ensure_stream(js, s)
        app = Widgets(env=store.eventsourcing_env(s, SERVICE))
        m: dict[str, list[float]] = {k: [] for k in (
            "commit", "save1", "save4", "publish", "relay", "fetch", "insert", "shaped", "ledger", "rebuild", "log",
            "rebuild1", "townships", "townships1")}
        towns = await rebuilds.townships_stream(s, js, rebuilds.TOWNSHIP_EVENTS * o.events)
        try:
            for rep in range(o.reps):
                print(f"pipeline repetition {rep + 1}/{o.reps}", file=sys.stderr, flush=True)
                before = int(app.recorder.max_notification_id() or 0)
                m["commit"].append(raw.single_row_commits(s, o.events))
                m["save1"].append(raw.eventsourcing_saves(s, o.events, 1))
                m["save4"].append(raw.eventsourcing_saves(s, o.events, 4))
                pending = int(app.recorder.max_notification_id() or 0) - before
                m["publish"].append(await raw.jetstream_publish(js, rawset, pending))
                m["relay"].append(pending / await relay_all(s, app, js))
                m["fetch"].append(await raw.pull_fetch(js, rawset, pending, s.consumer_batch))
                m["insert"].append(raw.batched_insert(s, pending, s.consumer_batch))
                m["shaped"].append(raw.ledger_shaped_copy(s, pending, s.consumer_batch))
                m["ledger"].append(pending / await consume_all(s, js, LedgerProjection(), pending))
                total = int(app.recorder.max_notification_id() or 0)
                m["rebuild"].append(await rebuild(s, js, total))
                m["rebuild1"].append(await rebuilds.rebuild_rate(s, js, rebuilds.WidgetsOneByOne(), PROJECTIONS_DB,
                                                                  SERVICE, total))
                for key, townships in (("townships", StationTownships()), ("townships1", rebuilds.TownshipsOneByOne())):
                    m[key].append(await rebuilds.rebuild_rate(towns, js, townships, PROJECTIONS_DB, "workforce",
                                                              rebuilds.TOWNSHIP_EVENTS * o.events))
                m["log"].append(raw.notification_log_read(app)[0])
        finally:
            app.close()
            await nc.close()
        self.raw_saves = m["save1"]
        sec = "store and pipeline"
        shaped = "raw binary COPY into a ledger-shaped table (its 5 indexes, 2 generated columns)"
        self.add(Figure(sec, "raw single-row commits (1 connection)", "/s", m["commit"]))
        self.add(Figure(sec, "eventsourcing save, 4 threads", "/s", m["save4"], "eventsourcing save, 1 thread",
                        m["save1"]))
        self.add(Figure(sec, "relay: store → JetStream", "events/s", m["relay"],
                        "raw async publish with Nats-Msg-Id", m["publish"], target="≥ 50 %"))
        self.add(Figure(sec, "audit ledger ingest", "events/s", m["ledger"], "raw batched insert", m["insert"],
                        target="≥ 50 %"))
        self.add(Figure(sec, "audit ledger ingest", "events/s", m["ledger"], "raw pull-fetch + ack", m["fetch"]))
        self.add(Figure(sec, "audit ledger ingest", "events/s", m["ledger"], shaped, m["shaped"]))
        self.add(Figure(sec, shaped, "rows/s", m["shaped"], "raw batched insert", m["insert"]))
        self.add(Figure(sec, "rebuild of a projection from the stream", "events/s", m["rebuild"],
                        "raw notification-log read", m["log"], target="≥ 20,000/s"))
        self.add(Figure(sec, "rebuild of a projection, gathered per batch", "events/s", m["rebuild"],
                        "the same, one event at a time", m["rebuild1"]))
        self.add(Figure(sec, "rebuild of workforce's station townships", "events/s", m["townships"],
                        "raw notification-log read", m["log"], target="≥ 20,000/s"))
        self.add(Figure(sec, "rebuild of workforce's station townships, gathered per batch", "events/s", m["townships"],
                        "the same, one event at a time", m["townships1"]))

    # --- commands over HTTP ---------------------------------------------------------------------
    def commands(self, system: commands.System, fixture: commands.Fixture) -> None:
        """Throughput and latency per command at concurrency 1, 8 and 32, against raw saves."""
        o, limit = self.options, self.raw_saves
        for kind in ("workforce.hire", "workforce.training", "stations.misuse-report"):
            requests = commands.Requests(kind, fixture)
            commands.closed_loop(system, requests, 4, 20)  # warm-up
            for concurrency in (1, 8, 32):
                runs = [commands.closed_loop(system, requests, concurrency, o.commands) for _ in range(o.reps)]
                name = f"{kind} at concurrency {concurrency}"
                refused = sum(n for run in runs for code, n in run.statuses.items() if code >= 300)
                note = f" ({refused} answers not 2xx)" if refused else ""
                self.add(Figure("HTTP commands", name + " throughput" + note, "/s", [r.throughput for r in runs],
                                "eventsourcing save, 1 thread", limit,
                                target="≥ 60 %" if concurrency == 32 else ""))
                self.add(Figure("HTTP commands", f"{name}: the load generator's own CPU per command", "ms",
                                [r.client_cpu_ms for r in runs], higher_is_better=False))
                per_save = [1000 / v for v in limit]
                for p in (50, 95, 99):
                    self.add(Figure("HTTP commands", f"{name} p{p}", "ms", [r.percentile(p) for r in runs],
                                    "one raw save", per_save, higher_is_better=False))

    def freshness(self, system: commands.System, fixture: commands.Fixture) -> None:
        """2xx → visible in the ledger and in the stations read model, at a steady rate."""
        o = self.options
        if not o.rate:
            peak = [statistics.median(f.values) for f in self.figures
                    if f.name.startswith("stations.misuse-report at concurrency") and " throughput" in f.name]
            o.rate = max(1.0, round(max(peak) / 2)) if peak else 50.0  # half of the best concurrency's
        for service in ("stations", "workforce"):  # the backlog of the runs before is not this figure's
            commands.wait_for_ledger(self.settings, service, commands.store_head(self.settings, service))
        settle.wait_for_consumers(self.settings)  # nor the findings the audit raised for the reports before
        requests = commands.Requests("stations.misuse-report", fixture)
        p50: dict[str, list[float]] = {"ledger": [], "station read model": []}
        p99: dict[str, list[float]] = {"ledger": [], "station read model": []}
        answered, latency = [], {50: [], 99: []}
        for _ in range(o.reps):
            watcher = commands.Watcher(self.settings)
            run = commands.steady(system, requests, o.rate, o.seconds, watcher)
            answered.append(run.throughput)
            for p, values in latency.items():
                values.append(run.percentile(p))
            seen = watcher.delays()
            for name, values in seen.items():
                p50[name].append(commands.ms(values, 50))
                p99[name].append(commands.ms(values, 99))
        sec = f"freshness at {o.rate:.0f} commands/s (stations misuse reports)"
        self.add(Figure(sec, "2xx answered", "/s", answered))
        for p, values in latency.items():  # the commands' own latency at this rate (half the peak unless --rate)
            self.add(Figure(sec, f"command latency (2xx), p{p}", "ms", values,
                            target="< 25 ms at half of peak" if p == 99 else ""))
        for name in p50:
            self.add(Figure(sec, f"2xx → in the {name}, p50", "ms", p50[name]))
            self.add(Figure(sec, f"2xx → in the {name}, p99", "ms", p99[name], target="≤ 100 ms"))

    def aggregate_length(self, system: commands.System, fixture: commands.Fixture, history: History) -> None:
        """Command latency on a worker with many events against one with ten."""
        o = self.options
        commands.lengthen(history, fixture, o.long_aggregate)
        settle.wait_for_consumers(self.settings)  # the long worker's events taken in first: not measured beside that
        result: dict[str, list[float]] = {"long": [], "short": []}
        for rep in range(o.reps):  # the two workers alternately, so a slow minute falls on both
            for label, worker in (("long", fixture.long_worker), ("short", fixture.short_worker)):
                times = commands.command_latency(
                    system, lambda _i, w=worker: f"/v1/workers/{w}/training",
                    lambda i, r=rep: commands.training(10_000 + r * 1000 + i).model_dump(mode="json"), 15)
                result[label].append(commands.median_ms(times))
        get_long = [commands.median_ms(commands.query_latency(system, "workforce",
                                                              f"/v1/workers/{fixture.long_worker}", 10))
                    for _ in range(o.reps)]
        get_short = [commands.median_ms(commands.query_latency(system, "workforce",
                                                               f"/v1/workers/{fixture.short_worker}", 10))
                     for _ in range(o.reps)]
        sec = "aggregate length"
        self.add(Figure(sec, f"record training on a worker of {o.long_aggregate} events, p50", "ms", result["long"],
                        "the same on a worker of 10 events", result["short"], higher_is_better=False,
                        target="within 20 %"))
        self.add(Figure(sec, f"GET /v1/workers/{{id}} of {o.long_aggregate} events, p50", "ms", get_long,
                        "the same of 10 events", get_short, higher_is_better=False))

    def growth(self, system: commands.System, fixture: commands.Fixture, history: History) -> None:
        """The same figures as the workforce store grows: cost per event should stay flat."""
        o, first = self.options, {}
        for level in o.history:
            wrote_from = time.monotonic()
            written = history.grow(level, f"history to {level:,}")
            wrote = time.monotonic() - wrote_from
            head = int(history.app.recorder.max_notification_id() or 0)
            lag = commands.wait_for_ledger(self.settings, "workforce", head)
            settled = lag + settle.wait_for_consumers(self.settings)  # measured at rest, not beside a catch-up
            sec = f"history: workforce store at {head:,} events"
            figures = {
                "hire over HTTP at concurrency 1, p50": [commands.median_ms(
                    commands.closed_loop(system, commands.Requests("workforce.hire", fixture), 1, 30).latencies)
                    for _ in range(o.reps)],
                "GET /v1/roster?limit=100, p50": [commands.median_ms(commands.query_latency(
                    system, "workforce", f"/v1/roster?as_of={county_today()}&limit=100", 5)) for _ in range(o.reps)],
            }
            for name, values in figures.items():
                base = first.setdefault(name, values)
                self.add(Figure(sec, name, "ms", values, f"the same at {o.history[0]:,}", base,
                                higher_is_better=False, target="within 20 %"))
            self.add(Figure(sec, "bulk write through the application layer", "events/s",
                            [written / max(wrote, 1e-9)]))
            self.add(Figure(sec, "ledger: seconds behind the store once the bulk write ended", "s", [lag]))
            self.add(Figure(sec, "every projection: seconds until all caught up once the bulk write ended", "s",
                            [settled]))
        self.catch_up(system, history)

    def casework(self, system: commands.System) -> None:
        """Casework's pages and a registration at each level of its bulk history, against the smallest level."""
        history = CaseworkHistory(self.settings, self.options.seed)
        try:
            sizes = sorted({max(size, 5_000) for size in self.options.history})  # a full page of people at the least
            levels = casework_growth.measure(system, history, sizes, self.options.reps)
        finally:
            history.close()
        first, base = levels[0]
        for events, got in levels:
            sec = f"history: casework store at {events:,} events"
            for name in (*casework_growth.QUERIES, casework_growth.REGISTER):
                self.add(Figure(sec, name.removesuffix(", p50 ms") + ", p50", "ms", got[name], f"the same at {first:,}",
                                base[name], higher_is_better=False, target="within 20 %"))
            self.add(Figure(sec, casework_growth.WRITE_RATE, "events/s", got[casework_growth.WRITE_RATE]))
            self.add(Figure(sec, casework_growth.CAUGHT_UP, "s", got[casework_growth.CAUGHT_UP],
                            higher_is_better=False))

    def catch_up(self, system: commands.System, history: History) -> None:
        """The audit service stopped during a bulk write, then started: how fast its ledger takes in the backlog
        (every one of its consumers starts behind by the whole write at once), beside the write's own rate."""
        backlog = min(self.options.history[-1] // 2, CATCH_UP_MAX)
        system.stop("audit")
        try:
            wrote_from = time.monotonic()
            written = history.grow(int(history.app.recorder.max_notification_id() or 0) + backlog,
                                   "backlog while audit is down")
            wrote = time.monotonic() - wrote_from
        finally:
            system.restart("audit")
        head = int(history.app.recorder.max_notification_id() or 0)
        seconds = commands.wait_for_ledger(self.settings, "workforce", head)
        sec = f"history: audit down during a bulk write of {written:,} events"
        self.add(Figure(sec, "ledger: catch-up once audit is up again (ready to caught up)", "events/s",
                        [written / max(seconds, 1e-9)], "bulk write through the application layer",
                        [written / max(wrote, 1e-9)]))
        self.add(Figure(sec, "ledger: seconds behind once audit is up again", "s", [seconds]))

    async def catch_up_late_first(self) -> None:
        """A backlog of one source whose first event arrives late (benchmarks.catchup): held vs NAKed, beside the
        same backlog in order."""
        s, n = self.settings, 4 * self.options.events
        store.ensure_database(s.database_url, s.database_name(PROJECTIONS_DB))
        nc = await stream.connect(s, "bench")
        js = nc.jetstream()
        m: dict[str, list[float]] = {"held": [], "naked": [], "order": []}
        try:
            for _ in range(self.options.reps):
                m["order"].append(await catchup.rate(s, js, PROJECTIONS_DB, n, False, s.consumer_max_held))
                m["held"].append(await catchup.rate(s, js, PROJECTIONS_DB, n, True, s.consumer_max_held))
                m["naked"].append(await catchup.rate(s, js, PROJECTIONS_DB, n, True, 0))
        finally:
            await nc.close()
        sec = f"consumer catch-up: {n:,} events of one source, the first {catchup.LATE:.0f} s late"
        self.add(Figure(sec, "waiting events held in memory", "events/s", m["held"], "the same backlog in order",
                        m["order"]))
        self.add(Figure(sec, "waiting events NAKed (SW_CONSUMER_MAX_HELD=0)", "events/s", m["naked"],
                        "the same backlog in order", m["order"]))

    def verify(self) -> None:
        """Offline verification beside raw SHA-256 (benchmarks.verify, as it is)."""
        n = 10_000 if self.options.reps == 1 else 100_000
        out = subprocess.run([sys.executable, "-m", "benchmarks.verify", str(n)], capture_output=True, text=True,
                             check=True).stdout
        rates = {}
        for line in out.splitlines():
            if "entries/s median" in line:
                rates[line.split(" MB/s")[0].strip()] = float(line.rsplit("median", 1)[1].replace(",", ""))
        raw, per_entry = rates["raw SHA-256 verify bytes"], rates["raw SHA-256 per entry"]
        for name, label in (("verify export --jobs 1", "an export"), ("verify db --full", "the database")):
            figure = f"full verification of {label}, {n:,} entries"
            self.add(Figure("verification", figure, "entries/s", [rates[name]],
                            "raw SHA-256 over the bytes a verification hashes", [raw], target="≥ 50 %"))
            self.add(Figure("verification", figure, "entries/s", [rates[name]], "raw SHA-256, one call per entry",
                            [per_entry]))

    async def county(self) -> None:
        """A whole county's year over HTTP on all four services, a fresh county each repetition, against raw saves."""
        o, sec = self.options, "county year over HTTP"
        years = [await asyncio.to_thread(county_bench.one_year, self.settings, rep, o.seed + rep, o.beneficiaries)
                 for rep in range(o.reps)]
        self.add(Figure(sec, f"a county's year: {years[0].calls:,} calls from {county_bench.THREADS} senders "
                             f"({o.beneficiaries:,} beneficiaries)", "/s", [y.calls_per_s for y in years],
                        "eventsourcing save, 1 thread", [y.raw_saves for y in years]))
        for service in ("stations", "workforce", "casework"):
            for p, got in (("p50", [y.p50_ms[service] for y in years]), ("p99", [y.p99_ms[service] for y in years])):
                self.add(Figure(sec, f"{service} call {p}", "ms", got, higher_is_better=False))
        self.add(Figure(sec, "casework call p50, the last tenth of the year's calls", "ms",
                        [y.casework_tenths_ms[1] for y in years], "the first tenth",
                        [y.casework_tenths_ms[0] for y in years], higher_is_better=False, target="within 20 %"))
        self.add(Figure(sec, f"the ledger holds all {years[0].events:,} events, after the last answer", "s",
                        [y.ledger_lag_s for y in years], higher_is_better=False))
        self.add(Figure(sec, "compliance findings open at the year's end (the county kept the rules)", "",
                        [float(y.open_findings) for y in years], higher_is_better=False))
        self.add(Figure(sec, "GET /v1/findings at the year's end (every rule over the year's facts)", "ms",
                        [y.findings_ms for y in years], higher_is_better=False))


CATCH_UP_MAX = 50_000  # the audit service's backlog in the history section: half the last level, at most this
SECTIONS = ("pipeline", "commands", "freshness", "length", "history", "casework", "catchup", "verify", "county")
PROJECTIONS_DB = "benchviews"  # not the audit service's database, whose tables its runtime role must own


async def consume_all(settings: Settings, js, projection: Projection, n: int, reset: bool = False) -> float:
    """A projection consuming n events from the stream (after dropping it, with ``reset``): seconds."""
    runner = ProjectionRunner(settings, projection, store.service_url(settings, PROJECTIONS_DB))
    if reset:
        await runner.reset(js)
    runner.setup()
    sub = await runner.subscribe(js)
    done, started = 0, time.perf_counter()
    while done < n:
        msgs = await pull.fetch(sub, settings.consumer_batch, timeout=5)
        await runner.process(js, msgs)
        done += len(msgs)
    seconds = time.perf_counter() - started
    await sub.unsubscribe()
    return seconds


async def rebuild(settings: Settings, js, total: int) -> float:
    """A read model rebuilt from the stream's first message beside the live one and swapped in, as
    ``deploy.rebuild`` and a service whose read model changed its schema do (``shared.shadow``): messages per
    second. The stream of this section holds the benchmark service's events, so the read model is its own."""
    started = time.perf_counter()
    read = await Shadow(settings, WidgetTotals(), store.service_url(settings, PROJECTIONS_DB), SERVICE).build(js)
    seconds = time.perf_counter() - started
    assert read >= total, f"the rebuild read {read} of the stream's {total} messages"
    return read / seconds


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": str(os.cpu_count()),
            "load average at start": " ".join(f"{x:.1f}" for x in load)}


def options(args: argparse.Namespace) -> Options:
    """The run's size: full, or quick."""
    quick = args.quick or os.environ.get("SW_BENCH_QUICK") == "1"
    history = [int(x) for x in (args.history or ("2000,10000" if quick else "10000,100000")).split(",")]
    if args.million:
        history.append(1_000_000)
    return Options(reps=args.reps or (1 if quick else 3), events=500 if quick else 2000,
                   commands=60 if quick else 200, rate=args.rate, seconds=5 if quick else 10,
                   long_aggregate=200 if quick else 1000, history=history, seed=args.seed,
                   beneficiaries=100 if quick else 600)


async def run(args: argparse.Namespace, servers: infra.Infra) -> int:
    """Every section, then the results files."""
    opts = options(args)
    tag = secrets.token_hex(3)
    base = Settings()
    settings = base.model_copy(update={"database_prefix": f"swbench_{tag}_", "subject_prefix": f"swbench{tag}",
                                       "nats_url": servers.nats_url, "database_url": servers.database_url})
    bench, system, history = Bench(settings, opts, args.label), None, None
    wanted = set((args.sections or ",".join(SECTIONS)).split(","))
    print(HEADER)
    try:
        if "pipeline" in wanted:
            await bench.pipeline()
        if wanted & {"commands", "freshness", "length", "history", "casework"}:
            system = commands.start(settings)
            history = History(settings, opts.seed)
            fixture = commands.prepare(settings, history, 64)
            for name, section in (("commands", bench.commands), ("freshness", bench.freshness)):
                if name in wanted:
                    section(system, fixture)
            for name, grown in (("length", bench.aggregate_length), ("history", bench.growth)):
                if name in wanted:
                    grown(system, fixture, history)
            if "casework" in wanted:
                bench.casework(system)
        if "catchup" in wanted:
            await bench.catch_up_late_first()
        if "verify" in wanted:
            bench.verify()
        if "county" in wanted:
            await bench.county()
    finally:
        if history is not None:
            history.close()
        if system is not None:
            system.stop()
        drop_run_databases(settings)
        await delete_run_streams(settings)
        servers.stop()
    print(f"\nwritten: {RESULTS / bench.started.strftime('%Y-%m-%d')}{'-' + args.label if args.label else ''}"
          ".json and .md")
    return 0


def write(bench: Bench, opts: Options, started: datetime, label: str) -> None:
    """benchmarks/results/<date>[-label].json and .md."""
    RESULTS.mkdir(exist_ok=True)
    name = started.strftime("%Y-%m-%d") + (f"-{label}" if label else "")
    doc = {"started": started.isoformat(), "machine": bench.machine, "options": asdict(opts),
           "figures": [{**asdict(f), "ratio": f.ratio} for f in bench.figures]}
    (RESULTS / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    table = "\n".join([HEADER, *map(markdown_row, bench.figures)])
    info = ", ".join(f"{k}: {v}" for k, v in doc["machine"].items())
    (RESULTS / f"{name}.md").write_text(f"# Benchmark {started:%Y-%m-%d %H:%M} UTC{' (' + label + ')' if label else ''}"
                                        f"\n\n{info}; {opts.reps} repetition(s)\n\n{table}\n")


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, smaller runs (or SW_BENCH_QUICK=1)")
    parser.add_argument("--reps", type=int, default=0)
    parser.add_argument("--history", help="comma-separated store sizes, e.g. 10000,100000")
    parser.add_argument("--million", action="store_true",
                        help="also grow the history to 10^6 events (about 15 more minutes here)")
    parser.add_argument("--rate", type=float, default=float(os.environ.get("SW_BENCH_RATE", "0")),
                        help="freshness: commands per second (default: half the measured peak)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sections", help=f"comma-separated, of {', '.join(SECTIONS)} (default: all; freshness "
                                           "without commands runs at --rate, else 50/s)")
    parser.add_argument("--label", default="", help="added to the results' file names, e.g. before / after")
    args = parser.parse_args()
    base = Settings()
    servers = infra.ensure(base.nats_url, base.database_url)  # the machine's when they answer, else its own
    return asyncio.run(run(args, servers))


if __name__ == "__main__":
    sys.exit(main())
