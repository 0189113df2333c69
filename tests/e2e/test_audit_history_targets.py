"""The workforce targets and the plan's progress as of a past moment, replayed from the ledger, say what the services
said at that moment: met, on track or at risk. Stations, workforce and audit run as processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.kit.ids import credit_code, national_id
from tests.kit.infra import isolated
from tests.kit.plan import PLAN, ok
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

DAY = "2021-06-30"


@pytest.fixture(scope="module")
def system(settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings, audit_checkpoint_every_s=3600), tmp_path_factory.mktemp("targets"),
                           ("stations", "workforce", "audit"))
    try:
        yield running
    finally:
        stop_system(running)


def _hire(admin: httpx.Client, hr: httpx.Client, org: str, seq: int, hired_on: str, certified_on: str) -> None:
    worker = ok(admin.post("/v1/workers", json={
        "employer_id": org, "name": f"目标{seq}", "national_id_number": national_id(seq + 700),
        "phone": f"1390000{seq:04d}", "hired_on": hired_on}), 201)["worker_id"]
    ok(hr.post(f"/v1/workers/{worker}/certificates",
               json={"level": "assistant", "obtained_on": certified_on, "number": f"ZL-T-{seq}"}))


def _history(auditor: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    return ok(auditor.get(f"/v1/history/{path}", params={"as_of_date": DAY, **params}))


def _when_recorded(auditor: httpx.Client, live: dict[str, Any]) -> dict[str, Any]:
    """The ledger's present answer once it says what the workforce service says now."""
    return eventually(lambda: (a := _history(auditor, "targets"))["targets"] == live["targets"] and a, timeout=60)


def test_the_targets_and_plan_progress_as_of_a_past_moment_are_what_the_services_said_then(system: System) -> None:
    stations, admin = system.client("stations"), system.client("workforce")
    hr, auditor = system.client("workforce", role="hr_social_security"), system.client("audit", role="auditor")
    ok(stations.put("/v1/county-plan", json=PLAN))
    ok(admin.post("/v1/baseline", json={"certified_social_workers": 2, "professionals": 3}), 201)
    org = ok(admin.post("/v1/organisations", json={
        "name": "目标社工服务中心", "unified_social_credit_code": credit_code(71, "MJT"), "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2021-01-10"}), 201)["organisation_id"]
    _hire(admin, hr, org, 1, "2021-01-15", "2021-02-01")

    # What the services said then: the workforce targets and the county status on DAY.
    said = eventually(lambda: (r := admin.get("/v1/targets", params={"as_of": DAY})).status_code == 200
                      and r.json()["figures"]["certified_by_year"]["2021"]["count"] == 1 and r.json(), timeout=30)
    county = ok(stations.get("/v1/county-status", params={"as_of": DAY}))
    _when_recorded(auditor, said)
    moment = datetime.now(UTC).isoformat()
    by_name = {t["target"]: t["status"] for t in said["targets"]}
    assert by_name == {"certified_growth_per_year": "at_risk", "certified_total_multiple": "at_risk",
                       "professionals_share": "at_risk", "registered_organisations": "met"}

    # Later: two more certified workers, and the bureau's official 2021 figures; the targets change.
    _hire(admin, hr, org, 2, "2021-02-15", "2021-03-01")
    _hire(admin, hr, org, 3, "2021-02-20", "2021-03-05")
    ok(admin.post("/v1/baseline/yearly-figures", json={"year": 2021, "certified_social_workers": 4,
                                                       "professionals": 4}))
    now = eventually(lambda: (r := ok(admin.get("/v1/targets", params={"as_of": DAY})))["figures"]
                     ["professionals"]["source"] == "recorded" and r, timeout=30)
    assert now["targets"] != said["targets"]
    assert _when_recorded(auditor, now)["targets"] == now["targets"]  # the present, replayed

    # The past moment replayed from the ledger: exactly what was said then, though the ledger holds more now.
    past = _history(auditor, "targets", as_of=moment)
    assert past["targets"] == said["targets"]
    assert past["bounds"]["through_position"] < _history(auditor, "targets")["bounds"]["through_position"]
    plan = _history(auditor, "plan-progress", as_of=moment)
    assert {k: v for k, v in plan.items() if k not in ("bounds", "positions", "status", "batch_status")} == county
    expected = ["met" if b["opened"] >= b["target"] else "at_risk" if b["deadline_passed"] else "on_track"
                for b in county["batches"]]
    assert [s["status"] for s in plan["batch_status"]] == expected
    assert plan["status"] == ("at_risk" if "at_risk" in expected else "on_track" if "on_track" in expected
                              else "met")
