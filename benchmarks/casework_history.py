"""Bulk casework history: the people a county's stations serve and their cases, written through the casework
application, and what casework's reads and writes cost as that history grows.

    .venv/bin/python -m benchmarks.casework_history --events 100000 [--seed 7] [--until 2026-11-30] [--keep]

The same seed and end date always produce the same steps in the same order. A county year is the twelve months
before the end date's month (``benchmarks.load.month_start``): its 11 stations (synthetic ids, one per county and
township) each with two social workers posted from the year's first day, then 2,000 people
(``benchmarks.people``: registered in the year's third to tenth month by a social worker of their station, their
case opened that day, assessed, planned, served monthly, reviewed and closed) — about 10 events a person, each
command with its own ``Idempotency-Key`` as the county's HTTP calls carry, so the store also holds an idempotency
record per command. Larger histories are more counties' years.

Every command runs as the API runs it (``benchmarks.load.History``: checks, per-person keys and sealing, duplicate
search, idempotency), as the social worker, in a bulk unit whose events are written every ``FLUSH_EVERY`` commands
in one transaction. Who works where is not read from workforce events here: the application's directory is
replaced by the postings the steps make (``MemoryDirectory``).

Uses its own databases (``--prefix``), removed afterwards unless ``--keep``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from benchmarks.load import History, history_cli, month_start
from benchmarks.people import case_steps, registration
from services.casework.application import (
    AssessCase,
    Casework,
    CloseCase,
    OpenCase,
    PlanCase,
    RecordService,
    RegisterBeneficiary,
    ReviewCase,
)
from services.casework.application.ports import MemoryDirectory
from services.casework.main import SPEC, make_application
from services.stations.seed import TOWNSHIPS
from shared import store
from shared.application import Command
from shared.domain import Context, county_today
from shared.settings import Settings

NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:bench:casework-history")
CODES = tuple(t["code"] for t in TOWNSHIPS)  # a county's 11 townships, a station each
PEOPLE_PER_COUNTY = 2_000
WORKERS_PER_STATION = 2
CHANGES: dict[str, tuple[Callable[..., dict[str, Any]], type[Command]]] = {  # a case's steps: command, body
    "assessments": (Casework.assess_case, AssessCase), "plan": (Casework.plan_case, PlanCase),
    "services": (Casework.record_service, RecordService), "reviews": (Casework.review_case, ReviewCase),
    "closure": (Casework.close_case, CloseCase)}


@dataclass(frozen=True)
class Step:
    """One step of the generated years: which, for whom, by whom, with what body."""

    kind: str  # posting, beneficiary, case, or a case's step (assessments, plan, services, reviews, closure)
    person: int  # the person's number (a posting: the county's)
    actor: str  # the social worker acting (a posting: the one posted)
    body: dict[str, Any]
    key: str  # the command's Idempotency-Key (unique in the years of one seed)


def county_station(county: int, code: str) -> str:
    """The id of a county's station in a township."""
    return str(uuid5(NAMESPACE, f"station:{county}:{code}"))


def county_worker(county: int, code: str, index: int) -> str:
    """The id of a social worker posted at a county's station."""
    return str(uuid5(NAMESPACE, f"worker:{county}:{code}:{index}"))


class CaseworkYears:
    """The casework steps of ``counties`` county years, in order, from ``seed``."""

    def __init__(self, seed: int, counties: int, until: date | None = None) -> None:
        self.random = random.Random(seed)
        self.seed = seed
        self.counties = counties
        self.until = until or county_today()
        self.start = month_start(self.until, -12)

    def steps(self) -> Iterator[Step]:
        """Every county's postings, then its people, one after another with their cases."""
        for county in range(self.counties):
            for code in CODES:
                for w in range(WORKERS_PER_STATION):
                    yield Step("posting", county, county_worker(county, code, w),
                               {"station_id": county_station(county, code), "on": str(self.start)},
                               f"posting-{county}-{code}-{w}")
            for b in range(PEOPLE_PER_COUNTY):
                yield from self._person(county, county * PEOPLE_PER_COUNTY + b)

    def _person(self, county: int, n: int) -> Iterator[Step]:
        r = self.random
        code = CODES[n % len(CODES)]
        worker = county_worker(county, code, r.randrange(WORKERS_PER_STATION))
        registered = min(month_start(self.start, 2 + r.randrange(8)) + timedelta(days=r.randrange(20)), self.until)
        body = registration(r, n, code, county_station(county, code), f"H-{self.seed}-{n:07d}", registered)
        yield Step("beneficiary", n, worker, body, f"beneficiary-{self.seed}-{n}")
        yield Step("case", n, worker, {"opened_on": str(registered)}, f"case-{self.seed}-{n}")
        for k, (_, kind, step) in enumerate(case_steps(r, n, registered, self.until)):
            yield Step(kind, n, worker, step, f"case-{self.seed}-{n}-{k}")


class Writer:
    """Applies generated steps through the casework application, as the social worker of each step."""

    def __init__(self, app: Casework, directory: MemoryDirectory) -> None:
        self.app = app
        self.directory = directory
        self.beneficiary: UUID | None = None  # the person whose steps run, and their case
        self.case: UUID | None = None

    def apply(self, step: Step) -> None:
        """Runs one step: a posting goes in the directory, anything else is the social worker's command."""
        body, key = step.body, step.key
        if step.kind == "posting":
            self.directory.assignments.append((step.actor, body["station_id"], date.fromisoformat(body["on"]), None))
            return
        ctx = Context(actor=step.actor, role="social_worker", organisation="")
        if step.kind == "beneficiary":
            result = self.app.register_beneficiary(ctx, RegisterBeneficiary(**body), idempotency_key=key)
            self.beneficiary = UUID(str(result["id"]))
        elif step.kind == "case":
            result = self.app.open_case(ctx, OpenCase(beneficiary_id=self.beneficiary, **body), idempotency_key=key)
            self.case = UUID(str(result["id"]))
        else:
            method, command = CHANGES[step.kind]
            method(self.app, ctx, self.case, command(**body), idempotency_key=key)


class CaseworkHistory(History):
    """Bulk history through the casework application: grows to a number of stored events, continuing the same
    generated county years on every call (``grow`` and ``close`` as ``benchmarks.load.History``)."""

    def __init__(self, settings: Settings, seed: int, until: date | None = None) -> None:
        self.settings = settings
        options = store.session_options(settings, "casework")  # the store set up and used as the service does
        store.ensure_database(settings.database_url, settings.database_name("casework"), **options)
        if settings.database_roles and settings.database_provision:
            SPEC.provision(settings, **options)
        self.app = make_application(settings, store.eventsourcing_env(settings, "casework", encrypt=True,
                                                                      runtime=True))
        directory = MemoryDirectory()
        self.app.directory = directory
        self.writer = Writer(self.app, directory)  # type: ignore[assignment]
        self.steps = CaseworkYears(seed, counties=10**6, until=until).steps()  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    """Command line: bulk casework history on fresh databases."""
    return history_cli(CaseworkHistory, argv, "python -m benchmarks.casework_history", __doc__ or "", "swcwhist_")


if __name__ == "__main__":
    sys.exit(main())
