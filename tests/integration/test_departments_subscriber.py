"""The department subscriber example against a private nats-server with the generated access configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from deploy import nats_access
from shared import asyncapi, envelope
from shared.contracts.workforce import PartyOrganisationSetUp, WorkerHired, WorkerPartyStatusRecorded
from tests.kit.bus import PREFIX, Bus, wait_for_admin


def document(payload, seq: int) -> dict:
    """A CloudEvents document as the workforce relay publishes it."""
    return envelope.build(service="workforce", payload=payload, notification_id=seq, previous_id=seq - 1,
                          aggregate_id=str(uuid4()), aggregate_version=1, timestamp=datetime.now(UTC), ctx=None)


async def publish(bus: Bus, *docs: dict) -> None:
    """Publishes documents as the workforce service, each on its type's subject."""
    nc = await bus.connect("workforce")
    js = nc.jetstream()
    for doc in docs:
        subject = f"{PREFIX}.{doc['type'].removeprefix('sw.').rsplit('.', 1)[0]}"
        await js.publish(subject, envelope.encode(doc), stream=bus.settings.stream_name)
    await nc.close()


def subscriber(bus: Bus, schemas: Path) -> subprocess.CompletedProcess:
    """Runs the example as the party department until nothing is left."""
    variable = nats_access.password_variable("party")
    return subprocess.run(
        [sys.executable, "-m", "deploy.examples.department_subscriber", "party", "--url", bus.url,
         "--stream", bus.settings.stream_name, "--schemas", str(schemas), "--once", "--wait", "1"],
        env={**os.environ, variable: bus.passwords[variable]}, capture_output=True, text=True, timeout=60, check=True,
    )


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published JSON Schemas, written the documented way."""
    out = tmp_path_factory.mktemp("contracts")
    asyncapi.main(["asyncapi", str(out)])
    return out / "schemas"


async def test_the_subscriber_prints_valid_entitled_events_and_resumes_after_being_down(
        private_server: Bus, schemas: Path) -> None:
    await wait_for_admin(private_server)
    member = document(WorkerPartyStatusRecorded(status="member", effective_on=date(2022, 7, 1)), 1)
    broken = document(WorkerPartyStatusRecorded(status="activist", effective_on=date(2022, 7, 1)), 2)
    del broken["data"]["status"]
    hired = document(WorkerHired(name="王芳", employer_id=uuid4(), hired_on=date(2022, 3, 1)), 3)
    await publish(private_server, member, broken, hired)

    first = subscriber(private_server, schemas)
    printed = [json.loads(line) for line in first.stdout.splitlines()]
    assert [p["id"] for p in printed] == [member["id"]]
    assert printed[0]["data"] == {"status": "member", "effective_on": "2022-07-01"}
    assert "refused" in first.stderr and "status" in first.stderr

    party_set_up = document(PartyOrganisationSetUp(set_up_on=date(2022, 9, 1)), 4)
    await publish(private_server, party_set_up)  # while the subscriber is down
    second = subscriber(private_server, schemas)
    assert [json.loads(line)["id"] for line in second.stdout.splitlines()] == [party_set_up["id"]]
    assert second.stderr == ""
