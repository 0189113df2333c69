"""``python -m deploy.rebuild <service> <projection>``: drop a read model and rebuild it from the stream.

Safe while the service runs: its consumer is deleted, so the running service re-creates the
tables and consumes the stream again from the first event. The audit ledger refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from shared import stream
from shared.projection import ProjectionRunner
from shared.settings import get_settings
from shared.store import service_url


async def rebuild(service: str, projection_name: str) -> None:
    """Resets one projection of a service."""
    settings = get_settings()
    spec = importlib.import_module(f"services.{service}.main").SPEC
    projections = {p.name: p for p in spec.projections(settings, None)}
    if projection_name not in projections:
        raise SystemExit(f"{service} has no projection {projection_name!r}; it has: {', '.join(projections)}")
    nc = await stream.connect(settings, "rebuild")
    try:
        runner = ProjectionRunner(settings, projections[projection_name], service_url(settings, service))
        await runner.reset(nc.jetstream())
    finally:
        await nc.close()
    print(f"{projection_name}: dropped; the running {service} service rebuilds it from the stream's first event")


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.rebuild")
    parser.add_argument("service")
    parser.add_argument("projection")
    args = parser.parse_args()
    asyncio.run(rebuild(args.service, args.projection))
    return 0


if __name__ == "__main__":
    sys.exit(main())
