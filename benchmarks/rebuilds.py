"""Rebuild rates of the benchmark's WidgetTotals and of a real read model (workforce's StationTownships, fed by
stations' ``station.planned`` events in a stream of their own), each beside the same projection applied one event
at a time, as projections were before quick passes wrote in bulk."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import psycopg
from nats.js import JetStreamContext

from benchmarks import planned
from benchmarks.widgets import WidgetTotals
from services.workforce.read_models.station_townships import StationTownships
from shared import store, stream
from shared.projection import Projection
from shared.settings import Settings
from shared.shadow import Shadow

TOWNSHIP_EVENTS = 20
"""Events in the townships' stream per event of the pipeline section: a rebuild has a fixed cost (its tables created in
a schema of their own, its consumer, the swap: ~0.15 s here) that a stream of the pipeline's few thousand events
would make most of the figure; at 20 times as many (40,000 by default, 10,000 with ``--quick``; a county's year is
~10^5) the figure is mostly the rate a rebuild reads and applies at."""


class WidgetsOneByOne(WidgetTotals):
    """WidgetTotals without gathering: every event runs its statement."""

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        yield


class TownshipsOneByOne(StationTownships):
    """StationTownships without gathering: a statement and a round trip per event."""

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        yield


async def townships_stream(settings: Settings, js: JetStreamContext, n: int) -> Settings:
    """Settings whose stream (of its own) holds n ``station.planned`` events of one source."""
    own = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}st"})
    await stream.ensure_stream(js, own)
    await planned.publish(js, own, planned.planned(n))
    return own


async def rebuild_rate(settings: Settings, js: JetStreamContext, projection: Projection, db: str, service: str,
                       total: int) -> float:
    """Messages per second of a shadow rebuild (as ``deploy.rebuild`` does) of a stream of ``total`` messages."""
    started = time.perf_counter()
    read = await Shadow(settings, projection, store.service_url(settings, db), service).build(js)
    seconds = time.perf_counter() - started
    assert read >= total, f"the rebuild read {read} of the stream's {total} messages"
    return read / seconds
