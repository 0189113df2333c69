"""What casework's reads and writes cost as its history grows: at each level of bulk history
(``benchmarks.casework_history``), once every consumer (casework's read models, the audit ledger) has taken it all
in, the registry's and the case list's first page and a registration over HTTP — figures that should stay flat
however long the history is.

    system = commands.start(settings)               # the four services, on the run's databases and stream
    history = CaseworkHistory(settings, seed=7)
    for events, figures in measure(system, history, levels=[10_000, 100_000], reps=3): ...
    history.close(); system.stop()

    .venv/bin/python -m benchmarks.casework_growth [--levels 10000,100000] [--reps 3]  # own services, removed after
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time

from benchmarks import commands, settle
from benchmarks.casework_history import CODES, CaseworkHistory, county_station
from benchmarks.commands import System, median_ms, query_latency
from benchmarks.people import registration
from shared import store
from shared.domain import county_today
from shared.settings import Settings

QUERIES = {"GET /v1/beneficiaries?limit=100, p50 ms": "/v1/beneficiaries?limit=100",
           "GET /v1/cases?limit=100, p50 ms": "/v1/cases?limit=100"}
REGISTER = "POST /v1/beneficiaries (civil_affairs_admin), p50 ms"
WRITE_RATE = "bulk write through the application layer, events/s"
CAUGHT_UP = "every consumer (the audit ledger too): seconds until all caught up once the bulk write ended"
MEASURED_PEOPLE = 500_000  # people registered while measuring are numbered from here: no generated history of
#                            fewer people (~5 million events) has their id numbers


def measure(system: System, history: CaseworkHistory, levels: list[int], reps: int = 3,
            calls: int = 20) -> list[tuple[int, dict[str, list[float]]]]:
    """Grows ``history`` (on ``system``'s settings) to each level of stored casework events in turn and measures
    there, once every consumer has caught up.

    Answers per level ``(stored events, figures)``; a figure is a list: per repetition (``reps``) the p50 in ms of
    ``calls`` calls one after another for each of ``QUERIES`` and ``REGISTER`` (a civil affairs admin, who acts for
    any station, registering a new person), and once ``WRITE_RATE`` (events/s of the bulk write to this level) and
    ``CAUGHT_UP`` (s)."""
    answered, people = [], itertools.count(MEASURED_PEOPLE)
    for level in levels:
        started = time.monotonic()
        written = history.grow(level, f"casework history to {level:,}")
        wrote = time.monotonic() - started
        figures: dict[str, list[float]] = {WRITE_RATE: [written / max(wrote, 1e-9)],
                                           CAUGHT_UP: [wait_for_casework(system.settings)]}
        for name, path in QUERIES.items():
            check_full_page(system, path)
            figures[name] = [median_ms(query_latency(system, "casework", path, calls)) for _ in range(reps)]
        figures[REGISTER] = [median_ms(register_latency(system, people, calls)) for _ in range(reps)]
        answered.append((int(history.app.recorder.max_notification_id() or 0), figures))
    return answered


def wait_for_casework(settings: Settings, timeout: float = 1800) -> float:
    """Waits until casework's relay has published its whole store and every consumer (casework's read models, the
    audit ledger, the other services') has taken it in, so what is measured next does not share the cores with their
    catch-up; answers the seconds waited (NaN if they did not settle within ``timeout``)."""
    started = time.monotonic()
    with store.connect(store.service_url(settings, "casework"), autocommit=True) as conn:
        while time.monotonic() - started < timeout:
            row = conn.execute("SELECT (SELECT max(notification_id) FROM casework_events) AS head, (SELECT position "
                               "FROM relay_position WHERE source = 'casework') AS position").fetchone()
            if row["head"] is None or (row["position"] or 0) >= row["head"]:
                break
            time.sleep(0.2)
    published = time.monotonic() - started
    return published + settle.wait_for_consumers(settings, max(timeout - published, 1))


def check_full_page(system: System, path: str) -> None:
    """Refuses to time a page that is not full (a read model that has not taken the history in)."""
    with system.client("casework") as client:
        response = client.get(path)
        response.raise_for_status()
        if len(response.json()["items"]) < 100:
            raise RuntimeError(f"{path} answered {len(response.json()['items'])} items, not a full page")


def register_latency(system: System, people: itertools.count, n: int) -> list[float]:
    """Seconds of ``n`` registrations of new people over HTTP by a civil affairs admin, one after another, at the
    first county's stations."""
    r, today = random.Random(MEASURED_PEOPLE), county_today()
    with system.client("casework") as client:
        times = []
        for _ in range(n):
            person = next(people)
            code = CODES[person % len(CODES)]
            body = registration(r, person, code, county_station(0, code), f"M-{person}", today)
            started = time.perf_counter()
            response = client.post("/v1/beneficiaries", json=body)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    """Command line: the figures at each level on the run's own services, databases and stream, removed after."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.casework_growth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10000,100000", help="stored casework events to measure at")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with commands.own_system(commands.own_settings(Settings(), "swcwg")) as system:
        history = CaseworkHistory(system.settings, args.seed)
        try:
            for events, figures in measure(system, history, [int(n) for n in args.levels.split(",")], args.reps):
                print(f"casework store at {events:,} events", flush=True)
                for name, values in figures.items():
                    print(f"  {name}: {', '.join(f'{v:,.2f}' for v in values)}", flush=True)
        finally:
            history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
