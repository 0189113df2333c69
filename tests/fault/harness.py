"""The fault suite's harness: the four services as processes on private servers, and a load of real commands.

A ``Deployment`` runs each service with ``uvicorn`` (like tests/e2e) with ``SW_NATS_URL``/``SW_DATABASE_URL``
pointing at the scenario's own servers and its own database and subject prefixes; single services (or extra
replicas) can be killed and restarted on the same port. A ``Load`` sends commands the way a careful client
does: each command has its own ``X-Correlation-Id`` and ``Idempotency-Key`` and is retried with them until it
is answered 2xx or refused for good, so every attempt is counted and every accepted command can be traced
through store, stream and ledger by its correlation id.
"""

from __future__ import annotations

import itertools
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.infra import free_port, service_command, settings_env
from services.stations.application import Stations
from services.stations.seed import BATCHES, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS
from services.workforce.domain import credit_code_check_char, national_id_check_char
from shared.auth import mint
from shared.settings import SERVICE_PORTS, Settings
from tests.fault import servers

ROOT = Path(__file__).resolve().parents[2]
SERVICES = tuple(SERVICE_PORTS)
PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}


def fault_settings(nats_url: str, database_url: str, tag: str | None = None) -> Settings:
    """Settings for one scenario: its servers, and its own database and subject prefixes."""
    tag = tag or secrets.token_hex(3)
    return Settings(nats_url=nats_url, database_url=database_url, database_prefix=f"swf_{tag}_",
                    subject_prefix=f"swf{tag}")


@dataclass
class Proc:
    """One service process on a fixed port (a restart keeps the port)."""

    name: str
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    retired: bool = False  # killed on purpose and meant to stay down

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the process (does not wait)."""
        log = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(service_command(self.name.split("#")[0], self.port), env=self.env, cwd=ROOT,
                                     stdout=log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        """True if ``/readyz`` answers 200."""
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 90) -> None:
        """Waits for ``/readyz``; raises with the log's tail if the process exits or never gets ready."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited: {self.log.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready: {self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)

    def kill(self) -> None:
        """kill -9."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then kill after 15 s."""
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deployment:
    """The services of one scenario, on its private servers."""

    settings: Settings
    logs: Path
    procs: dict[str, Proc] = field(default_factory=dict)
    own_env: dict[str, dict[str, str]] = field(default_factory=dict)  # per service: its NATS user, its inbox

    def env(self) -> dict[str, str]:
        """The services' environment: the scenario's settings, small pools."""
        return {**settings_env(self.settings), "SW_POOL_SIZE": "2"}

    def add(self, name: str) -> Proc:
        """Declares a service process (``stations#2`` is a second replica of stations)."""
        proc = Proc(name, free_port(), self.logs / f"{name.replace('#', '-')}.log",
                    {**self.env(), **self.own_env.get(name.split("#")[0], {})})
        self.procs[name] = proc
        return proc

    def start(self, names: tuple[str, ...] = SERVICES, wait: bool = True) -> Deployment:
        """Starts services (all four by default) and waits until each is ready."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in names:
            (self.procs.get(name) or self.add(name)).start()
        if wait:
            for name in names:
                self.procs[name].wait_ready()
        return self

    def stop(self) -> None:
        """Stops every process."""
        for proc in self.procs.values():
            proc.stop()

    def url(self, service: str) -> str:
        """A live process of ``service`` (replicas ``service#2``… stand behind it like a load balancer)."""
        replicas = [p for name, p in self.procs.items() if name.split("#")[0] == service]
        return next((p.url for p in replicas if p.alive()), replicas[0].url)

    def token(self, role: str = "civil_affairs_admin", **claims: Any) -> str:
        """A bearer token of this deployment's secret."""
        return mint(self.settings, subject=str(claims.pop("subject", f"fault-{role}")), role=role,
                    organisation=str(claims.pop("organisation", "")),
                    townships=tuple(claims.pop("townships", ())))  # type: ignore[arg-type]

    def client(self, service: str, role: str = "civil_affairs_admin", timeout: float = 10, **claims: Any
               ) -> httpx.Client:
        """An HTTP client for one service with a token for ``role``."""
        return httpx.Client(base_url=self.url(service), timeout=timeout,
                            headers={"Authorization": f"Bearer {self.token(role, **claims)}"})

    def exited(self) -> list[str]:
        """Services whose process ended on its own."""
        return [name for name, proc in self.procs.items()
                if proc.proc is not None and not proc.alive() and not proc.retired]

    def serving(self) -> list[Proc]:
        """The processes meant to be up."""
        return [proc for proc in self.procs.values() if not proc.retired]


# --- commands and the load ------------------------------------------------------------------------------


@dataclass
class Command:
    """One logical command; ``then`` makes the next commands from its answer."""

    service: str
    method: str
    path: str
    body: Any = None
    role: str = "civil_affairs_admin"
    claims: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    then: Callable[[dict[str, Any]], list[Command]] | None = None
    retry: bool = True
    raw: bytes | None = None  # a body sent as is (JSON the client library would not write)
    correlation: str = field(default_factory=lambda: f"fault-{secrets.token_hex(8)}")
    key: str | None = field(default_factory=lambda: f"key-{secrets.token_hex(8)}")


@dataclass
class Answer:
    """What became of one logical command."""

    command: Command
    status: int | str  # the final HTTP status, or "timeout"/"unreachable"
    attempts: int
    body: Any = None

    @property
    def accepted(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass
class Load:
    """Sends commands one after another in a thread, retrying each until answered for good."""

    deployment: Deployment
    pace: float = 0.2
    give_up_after: float = 60.0  # per command
    stop_after: float = 150.0  # for the whole load: then it sends nothing more
    answers: list[Answer] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # every attempt's outcome
    _thread: threading.Thread | None = None
    _ends: float = float("inf")

    def send(self, command: Command) -> Answer:
        """Sends one command, retrying on 5xx, 409/429, timeouts and refused connections."""
        headers = {"X-Correlation-Id": command.correlation, **command.headers,
                   "Authorization": f"Bearer {self.deployment.token(command.role, **dict(command.claims))}"}
        if command.key:
            headers["Idempotency-Key"] = command.key
        deadline = min(time.monotonic() + self.give_up_after, self._ends)
        for attempt in itertools.count(1):
            status, body = self._attempt(command, headers)
            self.statuses[status] += 1
            retry = status in ("timeout", "unreachable", 429) or (isinstance(status, int) and status >= 500) \
                or (status == 409 and bool(command.key) and _concurrent_change(body))
            if not command.retry:
                retry = False
            if not retry or time.monotonic() > deadline:
                answer = Answer(command, status, attempt, body)
                self.answers.append(answer)
                return answer
            time.sleep(min(0.25 * attempt, 2.0))
        raise AssertionError("unreachable")

    def _attempt(self, command: Command, headers: dict[str, str]) -> tuple[int | str, Any]:
        url = self.deployment.url(command.service) + command.path
        content = command.raw
        if content is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            response = httpx.request(command.method, url, headers=headers, timeout=10,
                                     **({"content": content} if content is not None else {"json": command.body}))
        except httpx.TimeoutException:
            return "timeout", None
        except httpx.TransportError:
            return "unreachable", None
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return response.status_code, body

    def run(self, commands: list[Command]) -> None:
        """Sends ``commands`` and whatever their answers lead to, in order."""
        queue = list(commands)
        self._ends = time.monotonic() + self.stop_after
        while queue and time.monotonic() < self._ends:
            answer = self.send(queue.pop(0))
            if answer.accepted and answer.command.then is not None:
                queue[0:0] = answer.command.then(answer.body)
            time.sleep(self.pace)
        self._ends = float("inf")

    def start(self, commands: list[Command]) -> Load:
        """Runs ``commands`` in a background thread."""
        self._thread = threading.Thread(target=self.run, args=(commands,), daemon=True)
        self._thread.start()
        return self

    def join(self) -> None:
        """Waits for the load to finish (it stops by itself after ``stop_after`` seconds)."""
        if self._thread is not None:
            self._thread.join(self.stop_after + 30)
            assert not self._thread.is_alive(), "the load did not finish"

    @property
    def accepted(self) -> list[Answer]:
        return [a for a in self.answers if a.accepted]

    def figures(self) -> dict[str, Any]:
        """Sent (attempts), 2xx, and the other outcomes by status."""
        sent = sum(self.statuses.values())
        ok = sum(n for s, n in self.statuses.items() if isinstance(s, int) and 200 <= s < 300)
        errors = {str(s): n for s, n in sorted(self.statuses.items(), key=str)
                  if not (isinstance(s, int) and 200 <= s < 300)}
        return {"sent": sent, "2xx": ok, "errors": errors}


def _concurrent_change(body: Any) -> bool:
    """A 409 saying another change was saved at the same time (worth a retry), not a rule refusing the command."""
    return isinstance(body, dict) and str(body.get("type", "")).endswith(":conflict")


_serial = itertools.count(1)


def credit_code() -> str:
    """A valid unified social credit code, unique in this test session."""
    first17 = f"52522700MJF{next(_serial):06d}"
    return first17 + credit_code_check_char(first17)


def id_number(n: int) -> str:
    """A valid national id number, unique in this test session."""
    first17 = f"5227011990{1 + n % 12:02d}{1 + n % 28:02d}{next(_serial) % 1000:03d}"
    return first17 + national_id_check_char(first17)


def county_plan() -> Command:
    """The county plan every story starts from."""
    return Command("stations", "PUT", "/v1/county-plan", PLAN)


def township_story(code: str, population: int = 8000) -> Command:
    """A township added to the plan, its station planned, and the township providing its site."""
    station = str(Stations.station_id_for(code))

    def sited(_body: dict[str, Any]) -> list[Command]:
        return [Command("stations", "PUT", f"/v1/stations/{station}/site",
                        {"office_area_m2": 60.5, "facilities": ["办公桌", "电脑"], "on": "2021-06-01"},
                        role="township", claims={"townships": [code], "subject": f"clerk-{code}"})]

    def planned(_body: dict[str, Any]) -> list[Command]:
        return [Command("stations", "POST", "/v1/stations", {"township_code": code}, then=sited)]

    return Command("stations", "POST", "/v1/county-plan/townships",
                   {"code": code, "name": f"乡{code}", "kind": "township", "population": population, "batch": 2},
                   then=planned)


def organisation_story(tag: str, n: int) -> Command:
    """An organisation registered, a worker hired into it, and the worker's first pay."""

    def paid(worker: dict[str, Any]) -> list[Command]:
        return [Command("workforce", "POST", f"/v1/workers/{worker['worker_id']}/pay",
                        {"period": "2021-03", "gross_fen": 320_000, "paid_on": "2021-04-10"})]

    def hired(org: dict[str, Any]) -> list[Command]:
        return [Command("workforce", "POST", "/v1/workers",
                        {"employer_id": org["organisation_id"], "name": f"社工{n}", "national_id_number":
                         id_number(n), "phone": f"139{n:08d}", "hired_on": "2021-03-01"}, then=paid)]

    return Command("workforce", "POST", "/v1/organisations",
                   {"name": f"社工服务中心{tag}{n}", "unified_social_credit_code": credit_code(),
                    "registered_in_county": True, "registration_place": "本县民政局",
                    "registered_on": "2021-01-05"}, then=hired)


def story(tag: str, units: int) -> list[Command]:
    """``units`` small stories alternating between stations and workforce (three commands each)."""
    out: list[Command] = []
    for n in range(units):
        out.append(township_story(f"F{tag[:4]}{n}") if n % 2 == 0 else organisation_story(tag, n))
    return out


@dataclass
class Private:
    """A scenario's own PostgreSQL and nats-server, and the deployments started on them."""

    base: Path
    postgres: servers.Postgres
    nats: servers.Nats
    deployments: list[Deployment] = field(default_factory=list)

    def deploy(self, names: tuple[str, ...] = SERVICES, settings: Settings | None = None) -> Deployment:
        """The services on these servers, under a fresh prefix (or ``settings``), started and ready."""
        settings = settings or fault_settings(self.nats.url, self.postgres.url)
        deployment = Deployment(settings, self.base / f"logs-{settings.subject_prefix}")
        self.deployments.append(deployment)
        return deployment.start(names)

    def close(self) -> None:
        for deployment in self.deployments:
            deployment.stop()
        if self.nats.proc is not None and self.nats.proc.poll() is None:
            self.nats.resume()
        self.nats.stop()
        self.postgres.stop()


def private_servers(prefix: str) -> Private:
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o711)  # not under pytest's tmp_path: PostgreSQL runs as another user and must reach it
    return Private(base, servers.Postgres(base).start(), servers.Nats(base).start())
