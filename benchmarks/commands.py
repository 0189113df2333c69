"""The services as processes on free ports, driven over HTTP: command throughput and latency at a concurrency,
freshness at a steady rate (2xx → visible in the ledger and in the stations read model), and query latency."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from benchmarks.client import LeanClient
from benchmarks.load import ADMIN, HR, History, national_id, phone
from deploy.cleanup import delete_run_streams, drop_run_databases
from deploy.infra import free_port, service_command, settings_env
from services.stations.domain import Station
from services.stations.main import make_application as make_stations
from services.stations.seed import load_seed
from services.workforce.application import HireWorker, RecordTraining
from shared import store
from shared.auth import mint
from shared.domain import county_today
from shared.settings import SERVICE_PORTS, Settings

ROOT = Path(__file__).resolve().parent.parent
Request = tuple[str, str, dict[str, Any]]  # service, path, body (POST)


@dataclass
class System:
    """The running services and an admin token."""

    settings: Settings
    urls: dict[str, str]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sw-bench-")))

    def client(self, service: str, role: str = "civil_affairs_admin") -> httpx.Client:
        """A client with a token for ``role`` (each thread gets its own)."""
        return httpx.Client(base_url=self.urls[service], headers={"Authorization": f"Bearer {self.token(role)}"},
                            timeout=60)

    def lean(self, service: str, role: str) -> LeanClient:
        """The load generator's own client: the same requests for a fraction of httpx's CPU (one per thread)."""
        return LeanClient(self.urls[service], self.token(role))

    def token(self, role: str) -> str:
        """A bearer token for ``role``."""
        return mint(self.settings, subject=f"bench-{role}", role=role, organisation=f"county-{role}")

    def stop(self, *names: str) -> None:
        """Stops the named service processes (every one, if none is named)."""
        procs = [self.procs[name] for name in names or self.procs]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def launch(self, name: str) -> None:
        """Starts one service's process on its port (its log appended to), without waiting for it."""
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(service_command(name, int(self.urls[name].rsplit(":", 1)[1]), quiet=True),
                                            env=settings_env(self.settings), cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT)

    def restart(self, name: str) -> None:
        """Starts a stopped service again and waits until it is ready."""
        self.launch(name)
        _wait_ready(self, name, self.logs)


def start(settings: Settings) -> System:
    """Starts the four services on free ports and waits until each is ready."""
    system = System(settings, {name: f"http://127.0.0.1:{free_port()}" for name in SERVICE_PORTS})
    for name in system.urls:
        system.launch(name)
    try:
        for name in system.urls:
            _wait_ready(system, name, system.logs)
    except BaseException:
        system.stop()
        raise
    return system


def own_settings(base: Settings, prefix: str) -> Settings:
    """``base`` with databases and a stream of the run's own (``prefix`` and a random tag), beside any other run."""
    tag = secrets.token_hex(3)
    return base.model_copy(update={"database_prefix": f"{prefix}_{tag}_", "subject_prefix": f"{prefix}{tag}"})


@contextlib.contextmanager
def own_system(settings: Settings, keep: bool = False) -> Iterator[System]:
    """The four services on ``settings`` (its own databases and stream), stopped afterwards and, unless ``keep``, their
    databases and stream removed."""
    system = start(settings)
    try:
        yield system
    finally:
        system.stop()
        if not keep:
            drop_run_databases(settings)
            asyncio.run(delete_run_streams(settings))


def _wait_ready(system: System, name: str, logs: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if system.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: {(logs / f'{name}.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{system.urls[name]}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} not ready: {(logs / f'{name}.log').read_text()[-3000:]}")


@dataclass
class Fixture:
    """What the measured commands act on: stations, an employer, workers to change."""

    stations: list[str]
    employer: str
    workers: list[str]
    long_worker: str = ""
    short_worker: str = ""


def prepare(settings: Settings, history: History, workers: int) -> Fixture:
    """The seed county's stations and, through the application layer, an employer and ``workers`` workers."""
    stations = make_stations(settings, store.eventsourcing_env(settings, "stations"))
    try:
        load_seed(stations, ADMIN)
    finally:
        stations.close()
    history.grow(1, "organisation")
    writer = history.writer
    employer = next(iter(writer.organisations.values()), None)
    while employer is None:
        writer.apply(next(history.steps))
        employer = next(iter(writer.organisations.values()), None)
    ids = [_hire(history, employer, 9_000_000 + n) for n in range(workers)]
    from services.stations.seed import TOWNSHIPS

    return Fixture([str(Station.id_for(t["code"])) for t in TOWNSHIPS], str(employer), ids)


def _hire(history: History, employer: uuid.UUID, n: int) -> str:
    result = history.app.hire_worker(ADMIN, HireWorker(employer_id=employer, name=f"测试{n % 1000}",
                                                       national_id_number=national_id(n), phone=phone(n),
                                                       hired_on=county_today().isoformat()))
    return str(result["worker_id"])


def lengthen(history: History, fixture: Fixture, events: int) -> None:
    """A worker with ``events`` events and one with about ten, for the latency-against-length figure."""
    fixture.long_worker = _hire(history, uuid.UUID(fixture.employer), 9_500_000)
    fixture.short_worker = _hire(history, uuid.UUID(fixture.employer), 9_500_001)
    for target, count in ((fixture.long_worker, events), (fixture.short_worker, 9)):
        for i in range(count - 1):
            history.app.record_training(HR, uuid.UUID(target), training(i))


def training(i: int) -> RecordTraining:
    """A training record (any number of them may be recorded on one worker)."""
    return RecordTraining(course=f"专题培训{i}", hours=2 + i % 6, completed_on=county_today().isoformat())


SENT = itertools.count(1)  # every command of the run is distinct, whichever ``Requests`` sends it


class Requests:
    """Endless, distinct commands of one kind; thread-safe."""

    def __init__(self, kind: str, fixture: Fixture) -> None:
        self.kind, self.fixture, self.lock = kind, fixture, threading.Lock()
        self.role = "hr_social_security" if kind == "workforce.training" else "civil_affairs_admin"

    def next(self) -> Request:
        """The next command."""
        with self.lock:
            n = next(SENT)
        f = self.fixture
        if self.kind == "workforce.hire":
            return "workforce", "/v1/workers", {
                "employer_id": f.employer, "name": f"受聘{n % 997}", "national_id_number": national_id(8_000_000 + n),
                "phone": phone(8_000_000 + n), "hired_on": county_today().isoformat()}
        if self.kind == "workforce.training":  # a change of an existing worker: load, check, save
            return "workforce", f"/v1/workers/{f.workers[n % len(f.workers)]}/training", training(n).model_dump(
                mode="json")
        if self.kind == "stations.misuse-report":  # loads a station, records a new report
            return "stations", "/v1/misuse-reports", {
                "station_id": f.stations[n % len(f.stations)], "worker_id": str(uuid.UUID(int=n)),
                "description": f"被借调至乡镇政府从事行政工作 #{n}", "observed_on": county_today().isoformat()}
        raise ValueError(self.kind)


@dataclass
class Run:
    """One run's answers: status counts, latencies (s) of the 2xx, wall time."""

    statuses: dict[int, int]
    latencies: list[float]
    seconds: float
    ids: list[tuple[str, float]] = field(default_factory=list)  # (id of what a 2xx created, its epoch)
    client_cpu: float = 0.0  # seconds of CPU the sending process spent

    @property
    def client_cpu_ms(self) -> float:
        """The sender's CPU per answered command, in milliseconds."""
        return 1000 * self.client_cpu / max(sum(self.statuses.values()), 1)

    @property
    def throughput(self) -> float:
        """2xx per second."""
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def closed_loop(system: System, requests: Requests, concurrency: int, total: int) -> Run:
    """``concurrency`` clients sending back to back until ``total`` commands were sent."""
    lock, statuses, latencies = threading.Lock(), {}, []
    remaining = [total]

    def client_loop() -> None:
        clients: dict[str, LeanClient] = {}
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            service, path, body = requests.next()
            client = clients.get(service) or clients.setdefault(service, system.lean(service, requests.role))
            started = time.perf_counter()
            response = client.post(path, json=body)
            elapsed = time.perf_counter() - started
            with lock:
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code < 300:
                    latencies.append(elapsed)
        for client in clients.values():
            client.close()

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Run(statuses, latencies, time.perf_counter() - started, client_cpu=time.process_time() - cpu)


class Watcher:
    """Polls, every 20 ms while commands are being sent, for what each 2xx created: in the audit ledger (by subject)
    and in the stations read model (misuse reports). A figure therefore includes up to 20 ms of polling."""

    QUERIES: ClassVar[dict[str, tuple[str, str]]] = {
        "ledger": ("audit", "SELECT subject AS id FROM ledger WHERE subject = ANY(%s)"),
        "station read model": ("stations", "SELECT report_id::text AS id FROM station_misuse "
                                           "WHERE report_id::text = ANY(%s)")}

    def __init__(self, settings: Settings) -> None:
        self.settings, self.lock, self.stop = settings, threading.Lock(), threading.Event()
        self.answered: dict[str, float] = {}
        self.seen: dict[str, dict[str, float]] = {name: {} for name in self.QUERIES}
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def note(self, created: str, at: float) -> None:
        """A 2xx answered at ``at`` (epoch seconds) created ``created``."""
        with self.lock:
            self.answered[created] = at

    def _poll(self) -> None:
        conns = {name: store.connect(store.service_url(self.settings, service), autocommit=True)
                 for name, (service, _) in self.QUERIES.items()}
        try:
            while not (self.stop.is_set() and self._complete()):
                with self.lock:
                    ids = list(self.answered)
                for name, (_, sql) in self.QUERIES.items():
                    pending = [i for i in ids if i not in self.seen[name]]
                    if pending:
                        rows = conns[name].execute(sql, (pending,)).fetchall()
                        now = time.time()
                        for row in rows:
                            self.seen[name].setdefault(row["id"], now)
                time.sleep(0.02)
        finally:
            for conn in conns.values():
                conn.close()

    def _complete(self) -> bool:
        with self.lock:
            return all(len(s) >= len(self.answered) for s in self.seen.values())

    def delays(self, timeout: float = 120) -> dict[str, list[float]]:
        """Seconds from each 2xx until it was seen, per place (after waiting for the last one)."""
        self.stop.set()
        self.thread.join(timeout)
        return {name: [max(0.0, t - self.answered[i]) for i, t in s.items()] for name, s in self.seen.items()}


def steady(system: System, requests: Requests, rate: float, seconds: float, watcher: Watcher | None = None) -> Run:
    """Commands sent at a steady ``rate`` (open loop: a slow answer does not delay the next command)."""
    lock, statuses, latencies, ids = threading.Lock(), {}, [], []
    local = threading.local()

    def send(due: float) -> None:
        time.sleep(max(0.0, due - time.perf_counter()))
        service, path, body = requests.next()
        client = getattr(local, service, None) or system.lean(service, requests.role)
        setattr(local, service, client)
        started = time.perf_counter()
        response = client.post(path, json=body)
        done_at, elapsed = time.time(), time.perf_counter() - started
        if response.status_code < 300 and watcher is not None:
            watcher.note(response.json()["id"], done_at)
        with lock:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code < 300:
                latencies.append(elapsed)
                ids.append((response.json()["id"], done_at))

    if watcher is not None:
        watcher.thread.start()
    count = int(rate * seconds)
    begin = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(count):
            pool.submit(send, begin + i / rate)
    return Run(statuses, latencies, seconds, ids)


def query_latency(system: System, service: str, path: str, n: int) -> list[float]:
    """Seconds of ``n`` GETs of one path, one after another (the first, warming caches, is left out)."""
    with system.client(service) as client:
        times = []
        for _ in range(n + 1):
            started = time.perf_counter()
            response = client.get(path)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times[1:]


def command_latency(system: System, path_of: Callable[[int], str], body_of: Callable[[int], dict[str, Any]],
                    n: int) -> list[float]:
    """Seconds of ``n`` POSTs of training records (HR), one after another."""
    with system.client("workforce", "hr_social_security") as client:
        times = []
        for i in range(n):
            started = time.perf_counter()
            response = client.post(path_of(i), json=body_of(i))
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def store_head(settings: Settings, service: str) -> int:
    """The head of a service's notification log."""
    with store.connect(store.service_url(settings, service)) as conn:
        row = conn.execute(f"SELECT max(notification_id) AS n FROM {service}_events").fetchone()
        return int(row["n"] or 0)


def ledger_entries(settings: Settings, source: str) -> int:
    """How many entries of ``source`` the audit ledger holds."""
    with store.connect(store.service_url(settings, "audit")) as conn:
        row = conn.execute("SELECT count(*) AS n FROM ledger WHERE source = %s", (f"/sw/{source}",)).fetchone()
        return int(row["n"])


def wait_for_ledger(settings: Settings, source: str, count: int, timeout: float = 1800) -> float:
    """Waits until the ledger holds ``count`` events of ``source``; answers the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if ledger_entries(settings, source) >= count:
            return time.monotonic() - started
        time.sleep(0.2)
    raise TimeoutError(f"the ledger did not reach {count} events of {source} in {timeout}s")


def ms(values: list[float], p: float) -> float:
    """The p-th percentile of seconds, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def median_ms(values: list[float]) -> float:
    """The median of seconds, in milliseconds."""
    return 1000 * statistics.median(values) if values else float("nan")
