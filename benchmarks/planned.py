"""Stations' ``station.planned`` events published straight into a stream: what feeds workforce's StationTownships
(a real read model) in the rebuild benchmark and its tests, without running the stations service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection

from nats.js import JetStreamContext

from shared.contracts import stations as stations_contracts
from shared.envelope import encode
from shared.settings import Settings

SOURCE = "stations"
BAD_STATION = "not-a-uuid"  # a valid document whose insert PostgreSQL refuses (station_id is a uuid)


def station_id(n: int) -> str:
    """The n-th station's id (the same in every run)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-station-{n}"))


def planned(n: int, bad: Collection[int] = ()) -> list[bytes]:
    """n ``station.planned`` documents of one source, in sequence; those numbered in ``bad`` cannot be inserted."""
    kind = stations_contracts.StationPlanned.event_type()
    return [encode({
        "specversion": "1.0", "id": f"planned-{i}", "source": SOURCE, "type": kind, "subject": f"station/{i}",
        "time": "2021-03-01T00:00:00Z", "sequence": i, "prevsequence": i - 1,
        "aggregateid": BAD_STATION if i in bad else station_id(i), "aggregateversion": 1,
        "data": {"county_code": "C01", "township_code": f"T{i % 40:02d}", "township_name": f"镇{i % 40}",
                 "batch": 1, "deadline": "2021-12-31", "minimum_staffing": 2},
    }) for i in range(1, n + 1)]


async def publish(js: JetStreamContext, settings: Settings, documents: list[bytes]) -> None:
    """Publishes the documents in order (acknowledged by the stream), each with its id for de-duplication."""
    subject = f"{settings.subject_prefix}.{SOURCE}.station.planned"
    for start in range(0, len(documents), 500):
        acks = [await js.publish_async(subject, body, headers={"Nats-Msg-Id": f"{SOURCE}-{start + k + 1}"})
                for k, body in enumerate(documents[start:start + 500])]
        await asyncio.gather(*acks)
