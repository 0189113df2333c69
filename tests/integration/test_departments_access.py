"""Departments on a nats-server started with the generated configuration: each sees its own subjects, nothing else.

The server is private (its own port and store); the machine's NATS is not touched.
"""

from __future__ import annotations

import fnmatch
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from deploy import nats_access
from shared.settings import Settings
from tests.kit.bus import PREFIX, Bus, reported, wait_for_admin


@pytest.fixture(scope="module")
async def bus(private_server: Bus) -> AsyncIterator[Bus]:
    """The server with the departments' consumers created and every event published once."""
    await wait_for_admin(private_server)
    await private_server.publish_all(round_=1)
    yield private_server


def entitled(department: str, subjects: list[str]) -> list[str]:
    """What the department may read, stated independently of the generator's table."""
    wanted = {
        "finance": [f"{PREFIX}.stations.service_contract.*", f"{PREFIX}.workforce.worker.pay_recorded",
                    f"{PREFIX}.audit.checkpoint.*", f"{PREFIX}.audit.finding.*"],
        "hr": [f"{PREFIX}.workforce.*"],
        "party": [f"{PREFIX}.workforce.worker.party_status_recorded",
                  f"{PREFIX}.workforce.organisation.party_organisation_set_up"],
        "auditors": [f"{PREFIX}.*"],
    }[department]
    return [s for s in subjects if any(fnmatch.fnmatchcase(s, w) for w in wanted)]


async def drain(nc: Client, department: str, settings: Settings) -> list[str]:
    """Fetches (and acks) everything the department's consumer holds for it now."""
    sub = await nc.jetstream().pull_subscribe_bind(durable=nats_access.durable(department),
                                                   stream=settings.stream_name)
    got: list[str] = []
    while True:
        try:
            msgs = await sub.fetch(100, timeout=1)
        except (TimeoutError, nats.errors.TimeoutError):
            break
        for msg in msgs:
            await msg.ack_sync()
            got.append(msg.subject)
    await sub.unsubscribe()
    return got


@pytest.mark.parametrize("department", list(nats_access.DEPARTMENTS))
async def test_a_department_receives_exactly_its_subjects_including_those_sent_while_it_was_away(
        bus: Bus, department: str) -> None:
    nc = await bus.connect(department)
    first = await drain(nc, department, bus.settings)
    await nc.close()
    assert sorted(first) == sorted(entitled(department, bus.published))
    assert first, "every department is entitled to some published event"

    sent_while_away = await bus.publish_all(round_=2)
    nc = await bus.connect(department)
    second = await drain(nc, department, bus.settings)
    await nc.close()
    assert sorted(second) == sorted(entitled(department, sent_while_away))


async def test_the_party_department_receives_the_workforce_party_events(bus: Bus) -> None:
    nc = await bus.connect("party")
    sub = await nc.jetstream().pull_subscribe_bind(durable="party", stream=bus.settings.stream_name)
    info = await sub.consumer_info()
    await nc.close()
    assert set(info.config.filter_subjects or []) == {f"{PREFIX}.workforce.worker.party_status_recorded",
                                                        f"{PREFIX}.workforce.organisation.party_organisation_set_up"}


SNOOPED = ["_INBOX.>", "$JS.>", ">", f"{PREFIX}.>", f"{PREFIX}.workforce.worker.pay_recorded",
           "_INBOX_hr.>", "_INBOX_auditors.>", "$JS.ACK.>"]


async def test_a_department_receives_nothing_by_any_other_subject(bus: Bus) -> None:
    errors: list[str] = []
    nc = await bus.connect("finance", errors)
    received: list[str] = []

    async def keep(msg) -> None:
        received.append(msg.subject)

    for subject in SNOOPED:
        await nc.subscribe(subject, cb=keep)
    await nc.flush()
    # Traffic the snooper would see if it could: services' deliveries on _INBOX, another department's on its inbox.
    await bus.publish_all(round_=3)
    audit = await bus.connect("audit")
    ephemeral = await audit.jetstream().pull_subscribe(f"{PREFIX}.>", stream=bus.settings.stream_name)
    assert await ephemeral.fetch(5, timeout=5)
    await audit.close()
    hr = await bus.connect("hr")
    assert await drain(hr, "hr", bus.settings)
    await hr.close()
    await nc.flush()
    for subject in SNOOPED:
        assert await reported(errors, f'permissions violation for subscription to "{subject.lower()}"'), errors
    await nc.close()
    assert received == []


async def test_a_department_cannot_use_another_departments_consumer_or_the_stream(bus: Bus) -> None:
    errors: list[str] = []
    nc = await bus.connect("finance", errors)
    js = nc.jetstream()
    other = await js.pull_subscribe_bind(durable="hr", stream=bus.settings.stream_name)
    with pytest.raises((TimeoutError, nats.errors.TimeoutError)):
        await other.fetch(1, timeout=1)
    with pytest.raises((TimeoutError, nats.errors.Error)):
        await js.stream_info(bus.settings.stream_name)
    with pytest.raises((TimeoutError, nats.errors.Error)):
        await js.consumer_info(bus.settings.stream_name, "hr", timeout=1)
    # the client reports the server's errors in lower case
    assert await reported(errors, f"$js.api.consumer.msg.next.{bus.settings.stream_name}.hr".lower())
    assert await reported(errors, f"$js.api.stream.info.{bus.settings.stream_name}".lower())
    await nc.close()


@pytest.mark.parametrize("department", list(nats_access.DEPARTMENTS))
async def test_a_department_cannot_publish_events(bus: Bus, department: str) -> None:
    before = await bus.stream_messages()
    errors: list[str] = []
    nc = await bus.connect(department, errors)
    for subject in (f"{PREFIX}.stations.service_contract.signed", f"{PREFIX}.workforce.worker.pay_recorded",
                    f"{PREFIX}.dlq.finance", f"{PREFIX}.audit.checkpoint.signed"):
        await nc.publish(subject, b'{"forged": true}')
    await nc.flush()
    assert await reported(errors, "permissions violation for publish", 4) == 4, errors
    await nc.close()
    assert await bus.stream_messages() == before


async def test_a_service_publishes_only_its_own_subjects(bus: Bus) -> None:
    before = await bus.stream_messages()
    errors: list[str] = []
    nc = await bus.connect("casework", errors)
    await nc.publish(f"{PREFIX}.stations.service_contract.signed", b"{}")
    await nc.flush()
    assert await reported(errors, "permissions violation for publish"), errors
    await nc.close()
    assert await bus.stream_messages() == before


def test_the_committed_access_conf_is_what_the_generator_writes_for_the_default_prefix(settings: Settings) -> None:
    committed = (Path(__file__).resolve().parents[2] / "deploy" / "nats" / "access.conf").read_text()
    assert committed == nats_access.render(settings.model_copy(update={"subject_prefix": "sw"}))


def test_a_table_entry_naming_no_published_event_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # the subjects the party department was once given: no event is published on them
    monkeypatch.setitem(nats_access.DEPARTMENTS, "party", ("workforce.social_worker.party_status_recorded",))
    with pytest.raises(ValueError, match="names no published event"):
        nats_access.subjects("party", PREFIX)


async def test_a_service_reaches_jetstream_only_on_its_own_stream_and_receives_only_on_its_own_inbox(
        bus: Bus) -> None:
    errors: list[str] = []
    nc = await bus.connect("stations", errors)
    js = nc.jetstream(timeout=1)
    assert (await js.stream_info(bus.settings.stream_name)).config.name == bus.settings.stream_name
    with pytest.raises((TimeoutError, nats.errors.Error)):
        await js.add_stream(name="SNOOP", subjects=["snoop.>"])
    with pytest.raises((TimeoutError, nats.errors.Error)):
        await js.delete_stream(bus.settings.stream_name)
    await nc.subscribe("_INBOX.>")
    await nc.subscribe(f"{nats_access.inbox_prefix('audit')}.>")
    await nc.flush()
    for denied in ("$js.api.stream.create.snoop", f"$js.api.stream.delete.{bus.settings.stream_name.lower()}",
                   'subscription to "_inbox.>"', f'subscription to "{nats_access.inbox_prefix("audit").lower()}.>"'):
        assert await reported(errors, denied), (denied, errors)
    await nc.close()
