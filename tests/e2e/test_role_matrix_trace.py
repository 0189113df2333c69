"""A command's W3C trace context goes onto its event (CloudEvents distributed tracing), the NATS message's headers,
and the log of the service that consumes the event."""

from __future__ import annotations

import asyncio
import json

import nats.errors

from services.stations.application import Stations
from shared import stream
from shared.contracts import stations as stations_contracts
from tests.kit.plan import PLAN, ok
from tests.kit.system import System
from tests.kit.waiting import eventually

T11 = str(Stations.station_id_for("T11"))
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def _last_signed(system: System) -> tuple[dict, dict[str, str]] | None:
    """The last contract-signed message on the stream: its document and its headers."""
    nc = await stream.connect(system.settings, "trace-test")
    try:
        subject = stations_contracts.ServiceContractSigned.subject(system.settings.subject_prefix)
        message = await nc.jetstream().get_last_msg(system.settings.stream_name, subject)
        return json.loads(message.data), dict(message.headers or {})
    except nats.errors.Error:
        return None  # not published yet
    finally:
        await nc.close()


def test_a_traceparent_sent_with_a_command_is_on_the_event_its_message_and_the_consumers_log(system: System) -> None:
    admin = system.client("stations")
    ok(admin.put("/v1/county-plan", json=PLAN))
    assert admin.post("/v1/stations", json={"township_code": "T11"},
                      headers={"Idempotency-Key": "trace-T11"}).status_code == 201
    ok(admin.put(f"/v1/stations/{T11}/site", json={"office_area_m2": 40, "facilities": ["桌"], "on": "2023-01-10"},
                 headers={"Idempotency-Key": "trace-site-T11"}))
    contract = ok(admin.post("/v1/contracts", headers={"traceparent": TRACEPARENT}, json={
        "contract_number": "HT-E2E-TRACE", "organisation_id": "org-trace", "organisation_name": "追踪社工",
        "station_ids": [T11], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 300_000,
        "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 300_000}], "signed_on": "2023-02-20"}), 201)

    def published() -> tuple[dict, dict[str, str]] | None:
        found = asyncio.run(_last_signed(system))
        return found if found is not None and found[0]["aggregateid"] == contract["id"] else None

    document, headers = eventually(published)
    assert document["traceparent"] == headers["traceparent"] == TRACEPARENT
    log = system.logs / "workforce.log"
    assert eventually(lambda: f"traceparent {TRACEPARENT}" in log.read_text(encoding="utf-8", errors="replace"))
