"""The department subscriber example as a province's county department: its nkey seed, its county's stream."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import nats
import nats.errors
import pytest

from deploy import infra, nats_access
from shared import asyncapi, envelope
from shared.contracts.workforce import WorkerPartyStatusRecorded
from shared.settings import Settings

COUNTIES = ("522701", "522702")


@pytest.fixture
def province_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """nats-server with a province's generated users; its URL and the access directory."""
    access = tmp_path / "access"
    nats_access.write_province(access, nats_access.Province("swsub", COUNTIES), Settings())
    port = infra.free_port()
    conf = tmp_path / "server.conf"
    conf.write_text(f"listen: 127.0.0.1:{port}\njetstream {{ store_dir: {json.dumps(str(tmp_path / 'js'))} }}\n"
                    'include "access/access.conf"\n')
    proc = subprocess.Popen([infra.nats_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        yield f"nats://127.0.0.1:{port}", access
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def connect_as(url: str, access: Path, user: str):
    for _ in range(100):
        try:
            return await nats.connect(url, nkeys_seed=str(nats_access.seed_file(access, user)),
                                      inbox_prefix=nats_access.inbox_prefix(user), max_reconnect_attempts=0,
                                      allow_reconnect=False)
        except (OSError, nats.errors.NoServersError):
            await asyncio.sleep(0.1)
    raise AssertionError("nats-server did not answer")


async def test_a_county_department_reads_its_countys_events_only_with_its_seed(
        province_server: tuple[str, Path], tmp_path: Path) -> None:
    url, access = province_server
    province = nats_access.Province("swsub", COUNTIES)
    admin = await connect_as(url, access, nats_access.ADMIN)
    await nats_access.create_province(admin.jetstream(), province, Settings())
    await admin.close()
    published = {}
    for county in COUNTIES:
        own = province.county(county, Settings())
        nc = await connect_as(url, access, nats_access.county_user(county, "workforce"))
        doc = envelope.build(service="workforce", payload=WorkerPartyStatusRecorded(
            status="member", effective_on=date(2022, 7, 1)), notification_id=1, previous_id=0,
            aggregate_id=str(uuid4()), aggregate_version=1, timestamp=datetime.now(UTC), ctx=None, county=county)
        await nc.jetstream().publish(WorkerPartyStatusRecorded.subject(own.subject_prefix), envelope.encode(doc),
                                     stream=own.stream_name)
        await nc.close()
        published[county] = doc
    asyncapi.main(["asyncapi", str(tmp_path / "contracts")])

    county = COUNTIES[0]
    user = nats_access.county_user(county, "party")
    done = subprocess.run(
        [sys.executable, "-m", "deploy.examples.department_subscriber", user, "--seed",
         str(nats_access.seed_file(access, user)), "--url", url, "--stream", province.county(county, Settings())
         .stream_name, "--schemas", str(tmp_path / "contracts" / "schemas"), "--once", "--wait", "1"],
        capture_output=True, text=True, timeout=60, check=True)
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(p["subject"], p["aggregateid"], p["data"]) for p in printed] == [
        (f"swsub.{county}.workforce.worker.party_status_recorded", published[county]["aggregateid"],
         published[county]["data"])]  # its county's event only, not the other county's
    assert done.stderr == ""
