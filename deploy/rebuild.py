"""``python -m deploy.rebuild <service> <projection> [--compare]``: rebuild a read model from the stream, beside the
old one, with a progress bar on stderr.

Safe while the service runs, and its readers never notice (``shared.shadow``): the new tables are built
beside the live ones and swapped in by one transaction once they have caught up. Readers see the complete
old model, then the complete new one; never a missing table (which was a 500) nor a half-built one (which a
503-while-rebuilding answer would avoid only by refusing every read for the whole rebuild, so we build
beside and swap instead).

``--compare`` closes with a comparison: once the rebuilt tables have reached exactly the live ones' position for
every source, and with the live tables held still for the moment (``SHARE`` lock: readers go on, the live
projection's next batch waits), each table's rows are compared both ways (``EXCEPT ALL``), then the swap goes on.
Exit status 1 if a table differs (the rebuilt tables are swapped in all the same: they are the stream's truth).

A projection that issues commands (the staffing policy) replays them through the service's application;
they are idempotent by the event's sequence, so a replay changes nothing. The audit ledger refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from dataclasses import dataclass
from typing import TextIO

import psycopg
from nats.js import JetStreamContext
from psycopg import sql

from shared import stream
from shared.application import ServiceApplication
from shared.settings import Settings, get_settings
from shared.shadow import NotRebuilt, Shadow, _exists, _positions
from shared.store import eventsourcing_env, owner_session, service_url, tune_event_store


@dataclass(frozen=True)
class TableComparison:
    """One table, live against rebuilt: rows in each, and rows found in one and not the other."""

    table: str
    live_rows: int
    rebuilt_rows: int
    only_live: int
    only_rebuilt: int

    @property
    def equal(self) -> bool:
        """True if both hold exactly the same rows."""
        return self.only_live == 0 and self.only_rebuilt == 0


class Bar:
    """A plain-text progress bar: ``rebuilding stations.status [######----] 1200/2000 messages``."""

    def __init__(self, label: str, total: int, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.label, self.total, self.out, self.width = label, max(total, 0), out, width

    def update(self, done: int) -> None:
        """Redraws the bar."""
        filled = self.width if self.total == 0 else min(self.width, done * self.width // self.total)
        self.out.write(f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} messages")
        self.out.flush()

    def close(self) -> None:
        """Ends the bar's line."""
        self.out.write("\n")
        self.out.flush()


class ComparedShadow(Shadow):
    """A shadow rebuild that shows its progress and, if asked, compares the tables before it swaps them in."""

    def __init__(self, *args: object, bar: Bar | None = None, compare: bool = False) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.bar, self.compare, self.done = bar, compare, 0
        self.comparison: list[TableComparison] | None = None

    async def _apply(self, msgs: list) -> int | None:
        again = await super()._apply(msgs)
        self.done += len(msgs)
        if self.bar is not None:
            self.bar.update(self.done)
        return again

    def _try_swap(self, conn: psycopg.Connection) -> bool:
        if self.compare and self.comparison is None:
            self.comparison = self._compare(conn)
            if self.comparison is None:
                return False  # not at exactly the live position yet: compare on a later try
        return super()._try_swap(conn)

    def _compare(self, conn: psycopg.Connection) -> list[TableComparison] | None:
        name, schema = self.projection.name, sql.Identifier(self.schema)
        try:
            with conn.transaction():  # one transaction: none left open (it would hold locks until the end)
                if not all(_exists(conn, f"public.{t}") for t in self.projection.tables):
                    return []  # no live tables to compare with: the service never ran this projection
                return self._compare_held(conn, name, schema)
        except psycopg.errors.LockNotAvailable:
            return None  # the live projection is writing: compare on a later try

    def _compare_held(self, conn: psycopg.Connection, name: str,
                      schema: sql.Identifier) -> list[TableComparison] | None:
        """Inside one transaction, with the live tables held still: None unless both are at the same positions."""
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(
            sql.Identifier("public", t) for t in (*self.projection.tables, "projection_tracking"))))
        if _positions(conn, sql.Identifier("public"), name) != _positions(conn, schema, name):
            return None
        return [compare_table(conn, self.schema, table) for table in self.projection.tables]


def compare_table(conn: psycopg.Connection, schema: str, table: str) -> TableComparison:
    """The live table (``public``) against the rebuilt one (``schema``), over the columns both have."""
    columns = [r["column_name"] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
        "INTERSECT SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "ORDER BY 1", (table, schema, table)).fetchall()]
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    live, rebuilt = sql.Identifier("public", table), sql.Identifier(schema, table)

    def count(query: sql.Composable) -> int:
        return int(conn.execute(sql.SQL("SELECT count(*) AS n FROM ({}) d").format(query)).fetchone()["n"])

    def rows(source: sql.Identifier) -> sql.Composable:
        return sql.SQL("SELECT {} FROM {}").format(cols, source)

    return TableComparison(
        table, count(rows(live)), count(rows(rebuilt)),
        count(sql.SQL("{} EXCEPT ALL {}").format(rows(live), rows(rebuilt))),
        count(sql.SQL("{} EXCEPT ALL {}").format(rows(rebuilt), rows(live))))


async def _stream_size(js: JetStreamContext, settings: Settings) -> int:
    info = await js.stream_info(settings.stream_name)
    return int(info.state.messages)


async def rebuild(service: str, projection_name: str, compare: bool = False,
                  out: TextIO = sys.stderr) -> tuple[int, list[TableComparison] | None]:
    """Rebuilds one projection of a service beside the live one and swaps it in; the messages read, and the
    comparison if asked."""
    settings = get_settings()
    spec = importlib.import_module(f"services.{service}.main").SPEC
    names = [p.name for p in spec.projections(settings, None)]
    if projection_name not in names:
        raise SystemExit(f"{service} has no projection {projection_name!r}; it has: {', '.join(names)}")
    application: ServiceApplication | None = None
    if spec.make_application is not None:  # a projection issuing commands replays them (idempotently)
        application = spec.make_application(settings, eventsourcing_env(settings, service, spec.encrypt_store,
                                                                            runtime=True))
        tune_event_store(application, settings, f"{service}-rebuild")
    nc = await stream.connect(settings, "rebuild")
    try:
        js = nc.jetstream()
        projection = next(p for p in spec.projections(settings, application) if p.name == projection_name)
        bar = Bar(f"rebuilding {projection_name}", await _stream_size(js, settings), out)
        shadow = ComparedShadow(settings, projection, service_url(settings, service), service, bar=bar,
                                compare=compare)
        shadow.session = owner_session(settings, f"{service}-rebuild")  # DDL: the owner role's, not the service's
        try:
            read = await shadow.build(js)
        finally:
            bar.close()
        if settings.database_roles:
            spec.provision(settings)  # the runtime role's DML on the new tables
        return read, shadow.comparison
    finally:
        await nc.close()
        if application is not None:
            application.close()


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.rebuild")
    parser.add_argument("service")
    parser.add_argument("projection")
    parser.add_argument("--compare", action="store_true",
                        help="compare the rebuilt tables with the live ones before swapping them in")
    args = parser.parse_args()
    try:
        read, comparison = asyncio.run(rebuild(args.service, args.projection, args.compare))
    except NotRebuilt as exc:
        raise SystemExit(str(exc)) from exc
    print(f"{args.projection}: rebuilt from {read} stream messages and swapped in; the service never stopped serving")
    if comparison is None:
        return 0
    for c in comparison:
        verdict = "equal" if c.equal else f"DIFFER: {c.only_live} row(s) only live, {c.only_rebuilt} only rebuilt"
        print(f"  {c.table}: live {c.live_rows} rows, rebuilt {c.rebuilt_rows} rows: {verdict}")
    equal = all(c.equal for c in comparison)
    print("rebuilt tables equal the live ones" if equal else "rebuilt tables differ from the live ones")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
