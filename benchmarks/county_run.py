"""A county's year over HTTP on all four services, then what the audit makes of it.

    .venv/bin/python -m benchmarks.county_run [--beneficiaries 2000] [--seed 7] [--threads 8] [--until 2026-11-30]

Starts the four services on free ports, on databases and a stream of its own (removed afterwards unless ``--keep``),
sends the year's calls (``benchmarks.county``) phase by phase with a progress bar, and prints: calls per second and
p50/p99 per service, the events each service stored, how long the audit ledger took to hold them all after the last
answer, and the compliance findings open as of the end date (a county that keeps the rules has none). At 2,000
beneficiaries the year is about 25,000 calls and 60,000 events across the services and the ledger.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from benchmarks.client import Answer, LeanClient, encode
from benchmarks.commands import ms, own_settings, own_system, wait_for_ledger
from benchmarks.county import Call, Caller, Chain, CountyYearCalls, Phase
from benchmarks.load import Progress
from deploy import infra
from shared import store
from shared.auth import mint
from shared.settings import Settings

WAIT_SECONDS = 60.0  # how long a call waits for another service's events (retrying on 403/404/409)
SERVICES = ("stations", "workforce", "casework")  # the services the year's calls go to


class Refused(RuntimeError):
    """A call of the year was not accepted."""


@dataclass
class Tally:
    """What the calls took, per service."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: int = 0
    seconds: float = 0.0

    def calls(self) -> int:
        """How many calls were answered."""
        return sum(map(len, self.latency.values()))


class CountyRunner:
    """Sends a year's calls to the services at ``urls`` with ``threads`` senders."""

    def __init__(self, settings: Settings, urls: dict[str, str], seed: int, threads: int = 8) -> None:
        self.settings, self.urls, self.seed, self.threads = settings, urls, seed, threads
        self.ids: dict[str, str] = {}
        self.tally = Tally()
        self.lock = threading.Lock()
        self.local = threading.local()
        self.tokens: dict[Caller, str] = {}

    def run(self, phases: list[Phase], progress: Callable[[int], None] | None = None) -> Tally:
        """Every phase in turn, its chains side by side; answers the tally."""
        started, done = time.perf_counter(), 0
        with ThreadPoolExecutor(self.threads) as pool:
            for phase in phases:
                for count in pool.map(self.chain, phase.chains):
                    done += count
                    if progress:
                        progress(done)
        self.tally.seconds = time.perf_counter() - started
        return self.tally

    def chain(self, calls: Chain) -> int:
        """A chain's calls in order."""
        for call in calls:
            self.send(call)
        return len(calls)

    def send(self, call: Call) -> dict[str, Any]:
        """One call, retried while it waits for another service's events; raises ``Refused`` otherwise."""
        client = self.client(call.service, call.caller)
        path, body = self.resolve(call.path), encode(self.resolve(call.body))
        headers = {"Idempotency-Key": f"county-{self.seed}-{call.key}"}
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            sent = time.perf_counter()
            answer = client.request(call.method, path, body, headers)
            if answer.status_code in (200, 201):
                return self._answered(call, answer, time.perf_counter() - sent)
            if not call.wait or answer.status_code not in (403, 404, 409) or time.monotonic() > deadline:
                raise Refused(f"{call.method} {path} ({call.key}): {answer.status_code} {answer.body.decode()}")
            with self.lock:
                self.tally.retries += 1
            time.sleep(0.2)

    def _answered(self, call: Call, answer: Answer, seconds: float) -> dict[str, Any]:
        result = answer.json()
        with self.lock:
            self.tally.latency[call.service].append(seconds)
            if call.save:
                self.ids[call.save] = str(next(result[k] for k in ("id", "worker_id", "organisation_id")
                                               if k in result))
        return result

    def resolve(self, value: Any) -> Any:
        """``value`` with every ``@name`` (a whole string or a path segment) replaced by the saved id."""
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, str) and "@" in value:
            return "/".join(self.ids[part[1:]] if part.startswith("@") else part for part in value.split("/"))
        return value

    def client(self, service: str, caller: Caller) -> LeanClient:
        """This thread's client of ``service`` with ``caller``'s token."""
        clients: dict[tuple[str, str], LeanClient] = self.local.__dict__.setdefault("clients", {})
        token = self.token(caller)
        if (service, token) not in clients:
            clients[(service, token)] = LeanClient(self.urls[service], token)
        return clients[(service, token)]

    def token(self, caller: Caller) -> str:
        """A bearer token with ``caller``'s claims (its subject resolved)."""
        with self.lock:
            if caller not in self.tokens:
                self.tokens[caller] = mint(self.settings, subject=self.resolve(caller.subject), role=caller.role,
                                           organisation=caller.organisation, townships=caller.townships)
            return self.tokens[caller]


def published_events(settings: Settings, service: str) -> int:
    """How many events a service's store holds that its relay publishes (all but its idempotency records)."""
    with store.connect(store.service_url(settings, service)) as conn:
        row = conn.execute(f"SELECT count(*) AS n FROM {service}_events "
                           "WHERE topic NOT LIKE 'shared.application:IdempotencyRecord.%'").fetchone()
        return int(row["n"])


def findings(settings: Settings, url: str, as_of: date) -> list[dict[str, Any]]:
    """The compliance findings as of ``as_of`` (open or resolved), every page."""
    client = LeanClient(url, mint(settings, subject="county-auditor", role="auditor"))
    out: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(f"/v1/findings?as_of={as_of}&offset={offset}&limit=500").json()
        out, offset = out + page["items"], page["next"]
    return out


@dataclass
class YearRun:
    """What a county's year did: its calls, the events each service published, how long after the last answer the
    ledger held them all, and the compliance findings at the year's end (and how long asking for them took)."""

    tally: Tally
    events: dict[str, int]
    ledger_s: float
    found: list[dict[str, Any]]
    findings_s: float


def run_year(settings: Settings, urls: dict[str, str], year: CountyYearCalls, threads: int, label: str) -> YearRun:
    """Sends ``year``'s calls to the services at ``urls`` with a progress bar, then waits for the ledger and asks the
    audit for its findings as of the year's end; raises ``Refused`` if a call is not accepted."""
    phases = year.phases()
    bar = Progress(label, sum(p.calls() for p in phases))
    tally = CountyRunner(settings, urls, year.seed, threads).run(phases, bar.update)
    events = {s: published_events(settings, s) for s in SERVICES}
    ledger_s = sum(wait_for_ledger(settings, s, n) for s, n in events.items())
    asked = time.perf_counter()
    found = findings(settings, urls["audit"], year.until)
    return YearRun(tally, events, ledger_s, found, time.perf_counter() - asked)


def report(run: YearRun) -> list[str]:
    """The run's figures as lines of text."""
    tally, events = run.tally, run.events
    lines = [f"{tally.calls():,} calls in {tally.seconds:.1f}s: {tally.calls() / max(tally.seconds, 1e-9):,.1f} "
             f"calls/s ({tally.retries} retries while waiting for another service's events)"]
    for service, seconds in sorted(tally.latency.items()):
        lines.append(f"  {service:<10} {len(seconds):>7,} calls  p50 {ms(seconds, 50):6.1f} ms  "
                     f"p99 {ms(seconds, 99):6.1f} ms  {events[service]:>8,} events")
    lines.append(f"the audit ledger held every event {run.ledger_s:.1f}s after the last answer "
                 f"({sum(events.values()):,} events)")
    rules = sorted({f["rule"] for f in run.found})
    still = sum(1 for f in run.found if f["open"])
    lines.append(f"compliance findings: {still} open, {len(run.found) - still} resolved"
                 + (f" ({', '.join(rules)})" if rules else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line: the year on services of its own."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.county_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--beneficiaries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--until", type=date.fromisoformat, help="the year's end (default: today in CST)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and stream")
    args = parser.parse_args(argv)
    base = Settings()
    servers = infra.ensure(base.nats_url, base.database_url)
    base = base.model_copy(update={"nats_url": servers.nats_url, "database_url": servers.database_url})
    try:
        with own_system(own_settings(base, "swcounty"), args.keep) as system:
            year = CountyYearCalls(args.seed, args.beneficiaries, args.until)
            try:
                run = run_year(system.settings, system.urls, year, args.threads, "county year")
            except Refused as refused:
                print(f"\nthe year stopped: {refused}", file=sys.stderr)
                return 1
            print("\n".join(report(run)))
    finally:
        servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
