"""The operator command: where each source stands from store to consumers, and republishing a range."""

from __future__ import annotations

import asyncio
import json

import pytest

from deploy import streams
from services.stations.read_models.station_status import StationStatusView
from services.stations.seed import load_seed
from shared.domain import Context
from tests.kit.infra import documents, read_subject
from tests.kit.services import Services
from tests.kit.waiting import run_until

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau")


def _command(capsys: pytest.CaptureFixture[str], services: Services, *argv: str) -> tuple[int, str, str]:
    code = streams.main(list(argv), settings=services.settings)
    out, err = capsys.readouterr()
    return code, out, err


def _stations(report: dict) -> dict:
    return next(s for s in report["sources"] if s["source"] == "stations")


async def test_status_shows_a_gap_and_republishing_the_range_closes_it_once(
    services: Services, js, capsys: pytest.CaptureFixture[str]
) -> None:
    load_seed(services.stations, ADMIN)
    await services.publish(js)
    runner = services.runner(StationStatusView(), "stations")
    await run_until(runner, js, lambda: len(services.rows("stations", "SELECT * FROM station_status")) == 11)
    head = services.rows("stations", "SELECT max(position) AS n FROM relay_position")[0]["n"]
    for stream_seq in (2, 3, 5):  # the broker loses three acknowledged messages
        await js.delete_msg(services.settings.stream_name, stream_seq)

    code, out, _ = await asyncio.to_thread(_command, capsys, services, "status", "--json")
    assert code == 0
    report = json.loads(out)
    source = _stations(report)
    assert source["store_head"] == source["relay_position"] == source["last_published"] == head
    assert source["published"] - source["on_stream"] == source["short"] == 3
    applied = [c for c in report["consumers"] if c["projection"] == "stations.station_status"]
    assert applied == [{"database": "stations", "projection": "stations.station_status", "source": "/sw/stations",
                        "last_sequence": head}]

    code, out, _ = await asyncio.to_thread(_command, capsys, services, "republish", "stations", "--from", "1",
                                           "--to", str(head))
    assert code == 0 and f"{source['published']} published event(s)" in out and "3 stored anew" in out
    code, out, _ = await asyncio.to_thread(_command, capsys, services, "republish", "stations", "--from", "1",
                                           "--to", str(head))
    assert code == 0 and "0 stored anew" in out, "a second republish changes nothing"

    code, out, _ = await asyncio.to_thread(_command, capsys, services, "status")
    assert code == 0 and "stations" in out and "stations.station_status" in out
    report = json.loads((await asyncio.to_thread(_command, capsys, services, "status", "--json"))[1])
    assert _stations(report)["short"] == 0
    docs = documents(await read_subject(js, services.settings, f"{services.settings.subject_prefix}.stations.>"))
    assert sorted(d["sequence"] for d in docs) == sorted({d["sequence"] for d in docs}), "each event once"
    assert len(docs) == source["published"]


async def test_republishing_past_what_the_relay_published_is_refused(
    services: Services, js, capsys: pytest.CaptureFixture[str]
) -> None:
    load_seed(services.stations, ADMIN)
    await services.publish(js)
    head = services.rows("stations", "SELECT max(position) AS n FROM relay_position")[0]["n"]
    code, _, err = await asyncio.to_thread(_command, capsys, services, "republish", "stations", "--from", "1",
                                           "--to", str(head + 5))
    assert code == 2 and f"published up to {head}" in err
    code, _, err = await asyncio.to_thread(_command, capsys, services, "republish", "payroll", "--from", "1",
                                           "--to", "2")
    assert code == 2 and "publishes no events" in err
    code, _, err = await asyncio.to_thread(_command, capsys, services, "republish", "casework", "--from", "1",
                                           "--to", "2")
    assert code == 2 and "has no database yet" in err
