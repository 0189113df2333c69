"""The operator's view of the event pipeline, per source, and republishing a range on demand.

    python -m deploy.streams status [--json]
    python -m deploy.streams republish <service> --from N --to M

``status`` shows, for each service that publishes, its store head (newest notification id), how far its
relay got (position and last published event), the stream's newest ``sequence`` and message count for
that source beside the count the store says was published, and each consumer's applied ``sequence`` per
source (the ``projection_tracking`` table of every service database). ``republish`` sends a range of
stored events again exactly as first published (same ``Nats-Msg-Id`` and document): the broker drops
what it still holds within its duplicate window and consumers skip what they applied, so it is safe to
repeat. The relays do this by themselves when they find a gap; this is for an operator who wants it now.
Uses the same ``SW_*`` settings as the services.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from nats.js import JetStreamContext

from shared import heal, store, stream
from shared.relay import Relay
from shared.service import ServiceSpec
from shared.settings import Settings, get_settings

SERVICES = ("stations", "workforce", "casework", "audit")


@dataclass
class SourceStatus:
    """One source's place at each step of the pipeline."""

    source: str
    store_head: int = 0
    relay_position: int = 0
    last_published: int = 0
    stream_last: int = 0
    on_stream: int = 0
    published: int = 0  # public events up to last_published, by the store's count

    @property
    def short(self) -> int:
        """Published events the stream does not hold, by count (the relay finds which, and republishes)."""
        return max(self.published - self.on_stream, 0)


def specs() -> dict[str, ServiceSpec]:
    """Every service's spec, by name."""
    return {name: importlib.import_module(f"services.{name}.main").SPEC for name in SERVICES}


def database_exists(settings: Settings, service: str) -> bool:
    """True if the service's database was created."""
    with store.connect(store.url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                           (settings.database_name(service),)).fetchone()
    return row is not None


def open_relay(settings: Settings, spec: ServiceSpec) -> Relay:
    """A relay object on the service's store (not running), with its saved position."""
    assert spec.make_application is not None
    env = store.eventsourcing_env(settings, spec.name, encrypt=spec.encrypt_store)
    app = spec.make_application(settings, env)
    relay = Relay(settings, spec.name, app, spec.published, store.service_url(settings, spec.name))
    relay.position = relay.load_position()
    return relay


async def source_status(js: JetStreamContext, relay: Relay) -> SourceStatus:
    """Store, relay and stream figures of one source."""
    log_ = heal.StoreLog(relay)
    with relay._db() as conn:
        head = log_.head(conn)
        published = log_.count_public(conn, relay.position.last_published)
    return SourceStatus(
        source=relay.service, store_head=head, relay_position=relay.position.position,
        last_published=relay.position.last_published, published=published,
        stream_last=await heal.last_sequence(js, relay.settings, relay.service),
        on_stream=await heal.count_on_stream(js, relay.settings, relay.service),
    )


def consumer_positions(settings: Settings, services: tuple[str, ...] = SERVICES) -> list[dict[str, Any]]:
    """Every projection's applied ``sequence`` per source, in every service database."""
    rows: list[dict[str, Any]] = []
    for service in services:
        if not database_exists(settings, service):
            continue
        with store.connect(store.service_url(settings, service)) as conn:
            if conn.execute("SELECT to_regclass('projection_tracking') AS t").fetchone()["t"] is None:
                continue
            for row in conn.execute("SELECT projection, source, last_sequence FROM projection_tracking "
                                    "ORDER BY projection, source"):
                rows.append({"database": service, **row})
    return rows


async def republish_range(js: JetStreamContext, relay: Relay, first: int, last: int) -> tuple[int, int]:
    """Sends the public events with ids in [first, last] again; returns (stored anew, asked for)."""
    if last > relay.position.last_published:
        raise ValueError(f"{relay.service} has published up to {relay.position.last_published}; "
                         f"events after it are the relay's to send (--to {last} refused)")
    log_ = heal.StoreLog(relay)
    with relay._db() as conn:
        ids = log_.public_ids(conn, first - 1, last)
    return await heal.republish(js, relay, ids, log_), len(ids)


# --- the command --------------------------------------------------------------------------
async def status(settings: Settings, chosen: dict[str, ServiceSpec]) -> dict[str, Any]:
    """Every source's status and every consumer's position."""
    nc = await stream.connect(settings, "deploy-streams")
    sources = []
    try:
        js = nc.jetstream()
        for spec in chosen.values():
            if not (spec.published and spec.make_application) or not database_exists(settings, spec.name):
                continue
            relay = await asyncio.to_thread(open_relay, settings, spec)
            try:
                sources.append(await source_status(js, relay))
            finally:
                relay.app.close()
    finally:
        await nc.close()
    return {"stream": settings.stream_name, "sources": [asdict(s) | {"short": s.short} for s in sources],
            "consumers": consumer_positions(settings, tuple(chosen))}


async def republish(settings: Settings, spec: ServiceSpec, first: int, last: int) -> tuple[int, int]:
    """Republishes a range of one service's events."""
    nc = await stream.connect(settings, "deploy-streams")
    relay = await asyncio.to_thread(open_relay, settings, spec)
    try:
        return await republish_range(nc.jetstream(), relay, first, last)
    finally:
        relay.app.close()
        await nc.close()


def render(report: dict[str, Any]) -> str:
    """The status as aligned text."""
    columns = ("source", "store_head", "relay_position", "last_published", "stream_last", "on_stream",
               "published", "short")
    lines = [f"stream {report['stream']}", "  ".join(f"{c:>14}" for c in columns)]
    lines += ["  ".join(f"{s[c]!s:>14}" for c in columns) for s in report["sources"]]
    lines += ["", f"{'database':>10}  {'projection':<32} {'source':<16} {'applied':>8}"]
    lines += [f"{c['database']:>10}  {c['projection']:<32} {c['source']:<16} {c['last_sequence']:>8}"
              for c in report["consumers"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None, settings: Settings | None = None,
         chosen: dict[str, ServiceSpec] | None = None) -> int:
    """Runs the command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m deploy.streams", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("status", help="store head vs relay vs stream vs consumers, per source")
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    again = commands.add_parser("republish", help="send a range of stored events again, as first published")
    again.add_argument("service")
    again.add_argument("--from", dest="first", type=int, required=True, help="first notification id")
    again.add_argument("--to", dest="last", type=int, required=True, help="last notification id")
    args = parser.parse_args(argv)
    settings = settings or get_settings()
    chosen = chosen or specs()
    if args.command == "status":
        report = asyncio.run(status(settings, chosen))
        print(json.dumps(report, indent=2) if args.json else render(report))
        return 0
    spec = chosen.get(args.service)
    if spec is None or not spec.published:
        publishing = ", ".join(name for name, s in chosen.items() if s.published)
        print(f"{args.service} publishes no events (these do: {publishing})", file=sys.stderr)
        return 2
    if not database_exists(settings, args.service):
        print(f"{args.service} has no database yet ({settings.database_name(args.service)}): nothing to republish",
              file=sys.stderr)
        return 2
    try:
        sent, asked = asyncio.run(republish(settings, spec, args.first, args.last))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{args.service}: {asked} published event(s) in {args.first}..{args.last}; "
          f"{sent} stored anew, {asked - sent} already held by the broker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
