"""A deterministic load generator: a county's year of workforce and stations commands.

    .venv/bin/python -m benchmarks.load --events 10000 [--seed 7] [--until 2026-11-30]  # bulk history

The same seed and end date always produce the same commands in the same order. A county year is the twelve months
before the end date's month (today in China Standard Time unless ``--until``): its organisations, then per worker:
hiring in the year's first two months, certificate, labour contract, insurance within the month the rules allow, a
posting-free year of monthly pay, each paid in time, and in-house training — a county that keeps the rules, so the
audit finds nothing in it to raise;
larger histories are more counties' years (N counties of ~30 workers each, ~20 events per worker). Bulk history is
written through the workforce application (the same commands the API runs, without HTTP) in a bulk unit
(``ServiceApplication.bulk``, ``shared.bulk``): every command is checked, encrypted and recorded as one by one, and
the events of every ``FLUSH_EVERY`` commands are written in one transaction (about 3,000 events/s on a quiet 2-core
machine, against ~380/s one command per transaction); measured commands go through the HTTP APIs
(``benchmarks.commands``).

Uses its own databases (``--prefix``), removed afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from services.workforce.application import (
    EnrolInsurance,
    HireWorker,
    RecordCertificate,
    RecordPay,
    RecordTraining,
    RegisterOrganisation,
    SignLabourContract,
    Workforce,
)
from services.workforce.domain import credit_code_check_char, national_id_check_char
from services.workforce.main import make_application
from shared import store
from shared.application import ServiceApplication
from shared.domain import Context, county_today
from shared.settings import Settings

ADMIN = Context(actor="bench-admin", role="civil_affairs_admin", organisation="county-civil-affairs")
HR = Context(actor="bench-hr", role="hr_social_security", organisation="county-hr")
WORKERS_PER_COUNTY = 30
ORGANISATIONS_PER_COUNTY = 2
SURNAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "娜强敏洋静帆磊丽杰芳婷慧明华军平刚辉玲燕"
FLUSH_EVERY = 1000  # commands whose events a bulk write saves in one transaction
INSURANCE = ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"]


def national_id(n: int) -> str:
    """A valid national id number (GB 11643), distinct for every ``n`` below 10^7."""
    born = date(1970, 1, 1) + timedelta(days=n // 1000)
    first17 = f"522701{born:%Y%m%d}{n % 1000:03d}"
    return first17 + national_id_check_char(first17)


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100), distinct for every ``n`` below 10^6."""
    first17 = f"52522700MJB{n:06d}"
    return first17 + credit_code_check_char(first17)


def phone(n: int) -> str:
    """An 11-digit mobile number."""
    return f"139{n % 10**8:08d}"


@dataclass(frozen=True)
class Step:
    """One command of the generated year: which, on what, with what body."""

    kind: str  # organisation, hire, certificate, contract, insurance, pay, training
    target: int  # the organisation's or worker's number
    body: dict[str, Any]


class CountyYear:
    """The commands of ``counties`` county years, in order, from ``seed``."""

    def __init__(self, seed: int, counties: int, until: date | None = None) -> None:
        self.random = random.Random(seed)
        self.counties = counties
        self.until = until or county_today()
        self.start = month_start(self.until, -12)

    def steps(self) -> Iterator[Step]:
        """Every county's organisations, then its workers' year."""
        for county in range(self.counties):
            for o in range(ORGANISATIONS_PER_COUNTY):
                org = county * ORGANISATIONS_PER_COUNTY + o
                yield Step("organisation", org, {
                    "name": f"XX{county}县社会工作服务中心{o}", "unified_social_credit_code": credit_code(org),
                    "registered_in_county": o == 0, "registration_place": "XX县民政局",
                    "registered_on": date(self.start.year - 1, 6, 1).isoformat()})
            for w in range(WORKERS_PER_COUNTY):
                yield from self._worker(county, county * WORKERS_PER_COUNTY + w)

    def _worker(self, county: int, n: int) -> Iterator[Step]:
        r = self.random
        org = county * ORGANISATIONS_PER_COUNTY + r.randrange(ORGANISATIONS_PER_COUNTY)
        name = r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.5 else "")
        hired = self.start + timedelta(days=r.randrange(60))
        yield Step("hire", n, {"employer": org, "name": name, "national_id_number": national_id(n),
                               "phone": phone(n), "hired_on": hired.isoformat()})
        if r.random() < 0.6:
            yield Step("certificate", n, {"level": r.choice(["assistant", "social_worker"]),
                                          "obtained_on": (self.start - timedelta(days=400)).isoformat(),
                                          "number": f"BENCH-{n:07d}"})
        yield Step("contract", n, {"starts_on": hired.isoformat(),
                                   "ends_on": (month_start(self.start, 36) - timedelta(days=1)).isoformat()})
        yield Step("insurance", n, {"items": INSURANCE, "enrolled_on": (hired + timedelta(days=7)).isoformat()})
        for m in range(12):
            first = month_start(self.start, m)
            if first < hired.replace(day=1):
                continue
            paid = min(first + timedelta(days=40), self.until)  # by the 10th of the next month
            yield Step("pay", n, {"period": f"{first:%Y-%m}", "gross_fen": 190_000 + 10_000 * r.randrange(20),
                                  "paid_on": paid.isoformat()})
        for t in range(r.randrange(2, 6)):
            yield Step("training", n, {"course": f"机构内训{t + 1}", "hours": 4 + r.randrange(12),
                                       "completed_on": (month_start(self.start, 2 + t * 2) + timedelta(days=14))
                                       .isoformat()})


def month_start(on: date, months: int) -> date:
    """The first day of the month ``months`` after ``on``'s (before, if negative)."""
    index = on.year * 12 + on.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def counties_for(events: int) -> int:
    """How many county years make about ``events`` events (~21 events per worker)."""
    return max(1, round(events / (WORKERS_PER_COUNTY * 21 + ORGANISATIONS_PER_COUNTY)))


class Writer:
    """Applies generated steps through the workforce application (bulk history)."""

    def __init__(self, app: Workforce) -> None:
        self.app = app
        self.organisations: dict[int, UUID] = {}
        self.workers: dict[int, UUID] = {}

    def apply(self, step: Step) -> None:
        """Runs one step's command."""
        app, body = self.app, step.body
        if step.kind == "organisation":
            result = app.register_organisation(ADMIN, RegisterOrganisation(**body))
            self.organisations[step.target] = UUID(result["organisation_id"])
        elif step.kind == "hire":
            fields = {k: v for k, v in body.items() if k != "employer"}
            result = app.hire_worker(ADMIN, HireWorker(employer_id=self.organisations[body["employer"]], **fields))
            self.workers[step.target] = UUID(result["worker_id"])
        else:
            self._change(step)

    def _change(self, step: Step) -> None:
        app, worker, body = self.app, self.workers[step.target], step.body
        if step.kind == "certificate":
            app.record_certificate(HR, worker, RecordCertificate(**body))
        elif step.kind == "contract":
            app.sign_labour_contract(ADMIN, worker, SignLabourContract(**body))
        elif step.kind == "insurance":
            app.enrol_insurance(ADMIN, worker, EnrolInsurance(**body))
        elif step.kind == "pay":
            app.record_pay(ADMIN, worker, RecordPay(**body))
        elif step.kind == "training":
            app.record_training(HR, worker, RecordTraining(**body))


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.started, self.shown = label, max(total, 1), time.perf_counter(), 0.0

    def update(self, done: int) -> None:
        """Redraws at most five times a second, and at the end."""
        now = time.perf_counter()
        if self.shown < 0 or (now - self.shown < 0.2 and done < self.total):
            return
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = done / max(now - self.started, 1e-9)
        sys.stderr.write(f"\r{self.label:<22} [{bar:<30}] {done:>9,}/{self.total:,} {rate:>7,.0f}/s")
        if done >= self.total:
            sys.stderr.write("\n")
            now = -1.0  # finished: nothing more is drawn
        sys.stderr.flush()
        self.shown = now


def stored_events(app: ServiceApplication) -> int:
    """How many events the application's store holds (its notification log's head)."""
    return int(app.recorder.max_notification_id() or 0)


class History:
    """Bulk history through the workforce application: grows to a number of stored events, continuing the same
    generated county years on every call. (Another service's history sets its own ``app``, ``writer`` — anything
    with ``apply(step)`` — and ``steps``, and grows the same way.)"""

    def __init__(self, settings: Settings, seed: int, until: date | None = None) -> None:
        self.settings = settings
        store.ensure_database(settings.database_url, settings.database_name("workforce"))
        self.app = make_application(settings, store.eventsourcing_env(settings, "workforce", encrypt=True))
        self.writer = Writer(self.app)
        self.steps = CountyYear(seed, counties=10**6, until=until).steps()

    def grow(self, events: int, label: str = "history") -> int:
        """Writes steps until the store holds about ``events`` events; answers how many it wrote.

        The steps run in one bulk unit (``ServiceApplication.bulk``): every command as the API runs it, its events
        written with those of the next ``FLUSH_EVERY`` commands in one transaction."""
        start = stored_events(self.app)
        progress = Progress(label, max(events - start, 0))
        with self.app.bulk(FLUSH_EVERY) as unit:
            while start + unit.saved_events + unit.pending_events < events:
                self.writer.apply(next(self.steps))
                progress.update(unit.saved_events + unit.pending_events)
        written = stored_events(self.app) - start
        if written:
            progress.update(written)
        return written

    def close(self) -> None:
        """Closes the application's store connections."""
        self.app.close()


def history_cli(kind: type[History], argv: list[str] | None, prog: str, doc: str, prefix: str) -> int:
    """A bulk history's command line (``kind``: which service's): grows it on fresh databases, prints the rate."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--until", type=date.fromisoformat, help="the generated year's end (default: today in CST)")
    parser.add_argument("--prefix", default=prefix)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args(argv)
    from deploy.cleanup import drop_run_databases

    settings = Settings(database_prefix=args.prefix)
    try:
        started = time.perf_counter()
        history = kind(settings, args.seed, args.until)
        try:
            history.grow(args.events)
            seconds = time.perf_counter() - started
            stored = stored_events(history.app)
            print(f"{stored:,} events stored in {seconds:.1f}s ({stored / max(seconds, 1e-9):,.0f} events/s)")
        finally:
            history.close()
    finally:
        if not args.keep:
            drop_run_databases(settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: bulk workforce history on fresh databases."""
    return history_cli(History, argv, "python -m benchmarks.load", __doc__ or "", "swload_")


if __name__ == "__main__":
    sys.exit(main())
