"""The HTTP command path alone: throughput, p50 / p99 and the CPU each command costs the services, beside raw saves.

``python -m benchmarks.http_path [--commands 100] [--kinds workforce.hire,...]`` starts the four services (as
``make bench`` does, on databases and a stream of its own), then for each command kind and concurrency 1, 8 and 32
runs a closed loop and prints its throughput and latency beside the raw single-threaded ``eventsourcing`` save rate
measured before and after the loops in the same run. CPU seconds per command (the serving process's, and all four
services' together, from ``/proc``) hardly depend on how busy a shared machine is, unlike the rates: they show what a
change to the request path saves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from benchmarks import commands, raw
from benchmarks.load import History
from benchmarks.widgets import SERVICE
from shared import store
from shared.settings import Settings

KINDS = ("workforce.hire", "workforce.training", "stations.misuse-report")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(system: commands.System, kind: str, fixture: commands.Fixture, n: int, saves: float) -> None:
    """Prints one line per concurrency for ``kind``."""
    requests, service = commands.Requests(kind, fixture), kind.split(".")[0]
    commands.closed_loop(system, requests, 4, 20)  # warm-up
    for concurrency in (1, 8, 32):
        before = {name: cpu_seconds(proc.pid) for name, proc in system.procs.items()}
        run = commands.closed_loop(system, requests, concurrency, n if concurrency == 1 else 2 * n)
        used = {name: cpu_seconds(proc.pid) - before[name] for name, proc in system.procs.items()}
        answered = sum(run.statuses.values())
        print(f"{kind} at concurrency {concurrency}: {run.throughput:.1f}/s ({run.throughput / saves:.0%} of raw "
              f"saves), p50 {run.percentile(50):.1f} ms, p99 {run.percentile(99):.1f} ms; CPU per command: "
              f"{service} {used[service] * 1000 / answered:.1f} ms, all services "
              f"{sum(used.values()) * 1000 / answered:.1f} ms; answers {dict(sorted(run.statuses.items()))}",
              flush=True)


def main() -> int:
    """Runs the loops and cleans up."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=100,
                        help="commands per loop at concurrency 1 (twice as many above)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    settings = commands.own_settings(Settings(), "swhttp")
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    with commands.own_system(settings) as system:
        history = History(settings, 7)
        try:
            fixture = commands.prepare(settings, history, 64)
            saves = [raw.eventsourcing_saves(settings, 500, 1)]
            print(f"raw eventsourcing save, 1 thread: {saves[0]:.0f}/s", flush=True)
            for kind in args.kinds.split(","):
                measure(system, kind, fixture, args.commands, statistics.median(saves))
            saves.append(raw.eventsourcing_saves(settings, 500, 1))
            print(f"raw eventsourcing save, 1 thread, again: {saves[-1]:.0f}/s", flush=True)
        finally:
            history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
