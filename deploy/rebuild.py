"""``python -m deploy.rebuild <service> <projection>``: rebuild a read model from the stream, beside the old one.

Safe while the service runs, and its readers never notice (``shared.shadow``): the new tables are built
beside the live ones and swapped in by one transaction once they have caught up. Readers see the complete
old model, then the complete new one; never a missing table (which was a 500) nor a half-built one (which a
503-while-rebuilding answer would avoid only by refusing every read for the whole rebuild, so we build
beside and swap instead).

A projection that issues commands (the staffing policy) replays them through the service's application;
they are idempotent by the event's sequence, so a replay changes nothing. The audit ledger refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from shared import stream
from shared.application import ServiceApplication
from shared.settings import get_settings
from shared.shadow import NotRebuilt, Shadow
from shared.store import eventsourcing_env, service_url, tune_event_store


async def rebuild(service: str, projection_name: str) -> int:
    """Rebuilds one projection of a service beside the live one and swaps it in."""
    settings = get_settings()
    spec = importlib.import_module(f"services.{service}.main").SPEC
    names = [p.name for p in spec.projections(settings, None)]
    if projection_name not in names:
        raise SystemExit(f"{service} has no projection {projection_name!r}; it has: {', '.join(names)}")
    application: ServiceApplication | None = None
    if spec.make_application is not None:  # a projection issuing commands replays them (idempotently)
        application = spec.make_application(settings, eventsourcing_env(settings, service, spec.encrypt_store))
        tune_event_store(application, settings, f"{service}-rebuild")
    nc = await stream.connect(settings, "rebuild")
    try:
        projection = next(p for p in spec.projections(settings, application) if p.name == projection_name)
        shadow = Shadow(settings, projection, service_url(settings, service), service)
        return await shadow.build(nc.jetstream())
    finally:
        await nc.close()
        if application is not None:
            application.close()


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.rebuild")
    parser.add_argument("service")
    parser.add_argument("projection")
    args = parser.parse_args()
    try:
        read = asyncio.run(rebuild(args.service, args.projection))
    except NotRebuilt as exc:
        raise SystemExit(str(exc)) from exc
    print(f"{args.projection}: rebuilt from {read} stream messages and swapped in; the service never stopped serving")
    return 0


if __name__ == "__main__":
    sys.exit(main())
