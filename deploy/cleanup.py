"""Removing a run's databases and streams (test runs and benchmarks name theirs by prefix)."""

from __future__ import annotations

from shared import store, stream
from shared.settings import Settings


def drop_run_databases(settings: Settings) -> None:
    """Drops every database and role whose name starts with the run's prefix."""
    with store.connect(store.url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        names = [r["datname"] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (settings.database_prefix + "%",)
        ).fetchall()]
    for name in names:
        store.drop_database(settings.database_url, name)
    store.drop_roles(settings)  # roles are cluster-wide: the run's go with its databases


async def delete_run_streams(settings: Settings) -> None:
    """Deletes every stream whose name starts with the run's prefix."""
    nc = await stream.connect(settings, "tests-cleanup")
    try:
        js = nc.jetstream()
        prefix = settings.stream_name.removesuffix("_EVENTS")
        for info in await js.streams_info():
            if info.config.name.startswith(prefix):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()
