"""The stations service's main story stores and publishes exactly the events recorded in ``golden/story.json``.

The story is driven through the HTTP routes in process (an in-memory store, fixed tokens and correlation ids),
so the modules behind the routes may be reorganised freely: what is stored (each event's class, version and
attributes) and what is published (each document's ``type`` and ``data``) must not change. Topics are reduced to
their class names (modules may move) and aggregate ids are numbered in order of first appearance (disclosures,
evaluations and misuse reports get random ids).

``python -m tests.unit.stations.test_stations_golden`` rewrites the file; do that only for an intended change
of the events, and say so in the commit.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.stations.main import SPEC
from services.stations.published import PUBLISHED
from services.stations.seed import BATCHES, COUNTY_CODE, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS
from shared import payloads
from shared.application import IdempotencyRecord, ServiceApplication
from shared.auth import mint
from shared.domain import Context
from shared.http import install_error_mapper
from shared.settings import get_settings

GOLDEN = Path(__file__).parent / "golden" / "story.json"
PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}
CONTRACT = {
    "contract_number": "XXMZ-2021-001", "organisation_id": "org-1", "organisation_name": "XX县阳光社会工作服务中心",
    "period_start": "2021-04-01", "period_end": "2022-03-31", "amount_fen": 30_000_000,
    "supervision_fen": 3_000_000, "budget_year": 2021, "budget_line": "2080299 其他民政管理事务支出",
    "payment_schedule": [{"due_on": "2021-04-15", "amount_fen": 15_000_000},
                         {"due_on": "2021-10-15", "amount_fen": 15_000_000}],
    "signed_on": "2021-03-20",
}
FIGURES = {"services_delivered": 40, "people_served": 120, "activities": 6, "staffing": 2,
           "spending_fen": 2_500_000}


class Story:
    """Sends the story's requests as one user or another, each with its own correlation id."""

    def __init__(self) -> None:
        settings = get_settings()
        self.application = SPEC.make_application(settings, {}) if SPEC.make_application else None
        app = FastAPI()
        install_error_mapper(app)
        for router in SPEC.routers:
            app.include_router(router)
        app.state.runtime = SimpleNamespace(application=self.application, settings=settings.model_copy(
            update={"county_code": COUNTY_CODE}), pool=None)
        self.client = TestClient(app)
        self.settings = settings
        self.step = 0

    def send(self, method: str, path: str, body: dict[str, Any] | None = None, *, role: str = "civil_affairs_admin",
             organisation: str = "county-civil-affairs", townships: tuple[str, ...] = (),
             status: int = 200) -> dict[str, Any]:
        """One request of the story, which must answer ``status``."""
        self.step += 1
        token = mint(self.settings, subject=f"{role}-1", role=role, organisation=organisation, townships=townships)
        headers = {"Authorization": f"Bearer {token}", "X-Correlation-Id": f"story-{self.step}"}
        response = self.client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        return response.json()


def run_story() -> Story:
    """The main story: the plan, two stations from planning to closure, a contract, ledgers and oversight."""
    s = Story()
    s.send("PUT", "/v1/county-plan", PLAN)
    s.send("POST", "/v1/county-plan/townships/T01/population", {"population": 87_000, "effective_on": "2022-01-01"})
    s.send("POST", "/v1/county-plan/townships/T01/villages",
           {"village_code": "T01-99", "name": "新村", "kind": "village"}, status=201)
    s.send("POST", "/v1/county-plan/townships", {"code": "T12", "name": "新设乡", "kind": "township",
                                                 "population": 9000, "batch": 2,
                                                 "villages": [{"code": "T12-01", "name": "新设村", "kind": "village"}]},
           status=201)
    t01, t02, _ = (s.send("POST", "/v1/stations", {"township_code": code}, status=201)["id"]
                   for code in ("T01", "T02", "T12"))
    s.send("PUT", f"/v1/stations/{t01}/site", {"office_area_m2": 120.5, "facilities": ["desk", "computer"],
                                               "on": "2021-03-01"}, role="township", organisation="T01",
           townships=("T01",))
    s.send("PUT", f"/v1/stations/{t02}/site", {"office_area_m2": 50, "facilities": ["desk"], "on": "2021-03-02"})
    contract = s.send("POST", "/v1/contracts", {**CONTRACT, "station_ids": [t01]}, status=201)["id"]
    s.send("POST", f"/v1/stations/{t01}/staffing", {"headcount": 2, "as_of": "2021-05-01", "source_seq": 10})
    s.send("POST", f"/v1/stations/{t01}/opening", {"on": "2021-06-01"})
    s.send("POST", f"/v1/stations/{t01}/suspension", {"reason": "装修", "on": "2021-06-02"})
    s.send("POST", f"/v1/stations/{t01}/reopening", {"on": "2021-06-03"})
    s.send("POST", f"/v1/stations/{t01}/villages", {"village_code": "T01-01", "start": "2021-06-03"})
    s.send("POST", f"/v1/stations/{t01}/villages/T01-01/end", {"end": "2021-06-04"})
    s.send("POST", f"/v1/contracts/{contract}/disbursements",
           {"amount_fen": 15_000_000, "paid_on": "2021-04-15", "reference": "BF-2021-001"})
    contractor = {"role": "contractor", "organisation": "org-1"}
    ledger = s.send("POST", f"/v1/stations/{t01}/ledgers", {"year": 2021, "quarter": 2, **FIGURES,
                                                             "submitted_on": "2021-07-01"}, status=201, **contractor)
    s.send("POST", f"/v1/ledgers/{ledger['id']}/return", {"reasons": ["人数不符"], "on": "2021-07-02"})
    s.send("POST", f"/v1/ledgers/{ledger['id']}/resubmission", {**FIGURES, "people_served": 118,
                                                                 "submitted_on": "2021-07-03"}, **contractor)
    s.send("POST", f"/v1/ledgers/{ledger['id']}/acceptance", {"on": "2021-07-04"})
    s.send("POST", "/v1/disclosures", {"contract_id": contract, "station_id": t01, "kind": "progress",
                                       "title": "二季度进展", "content": "服务 40 次", "disclosed_on": "2021-07-05"},
           status=201, **contractor)
    evaluation = s.send("POST", "/v1/evaluations", {
        "station_id": t01, "evaluated_on": "2021-07-10", "score": 86, "findings": ["台账不全"],
        "rectification_items": [{"description": "补齐台账", "due_on": "2021-08-10"},
                                {"item_id": "R9", "description": "公示制度", "due_on": "2021-09-10"}]},
        status=201, role="evaluator", organisation="eval-org")
    s.send("POST", f"/v1/evaluations/{evaluation['id']}/items/R1/closure",
           {"evidence": "已补齐", "closed_on": "2021-07-20"}, role="evaluator", organisation="eval-org")
    report = s.send("POST", "/v1/misuse-reports", {"station_id": t01, "worker_id": "w-7", "description": "被借调",
                                                   "observed_on": "2021-07-11"},
                    status=201, role="social_worker", organisation="org-1")
    s.send("POST", f"/v1/misuse-reports/{report['id']}/resolution", {"resolution": "已归岗", "on": "2021-07-12"})
    s.send("POST", f"/v1/contracts/{contract}/amendments",
           {"reason": "增加站点", "amended_on": "2021-08-01", "station_ids": [t01, t02], "amount_fen": 40_000_000,
            "payment_schedule": [{"due_on": "2021-04-15", "amount_fen": 15_000_000},
                                 {"due_on": "2021-10-15", "amount_fen": 25_000_000}]})
    s.send("POST", f"/v1/contracts/{contract}/termination", {"reason": "机构注销", "on": "2021-09-01"})
    s.send("POST", f"/v1/stations/{t01}/closure", {"reason": "合并", "on": "2021-09-02"})
    return s


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Context):
        return value.as_dict()
    raise TypeError(f"cannot record {type(value).__name__}")


def record(application: ServiceApplication) -> dict[str, Any]:
    """Every stored event (class, version, attributes) and every published document (type, data), ids numbered."""
    stored, published = [], []
    for notification in application.recorder.select_notifications(start=1, limit=10_000):
        event = application.mapper.to_domain_event(notification)
        if isinstance(event, IdempotencyRecord.Event):
            continue
        attributes = {k: v for k, v in vars(event).items() if k not in ("timestamp", "originator_version")}
        if "originator_topic" in attributes:  # names the module, which may move; the class is what counts
            attributes["originator_topic"] = attributes["originator_topic"].split(":", 1)[1]
        stored.append({"event": notification.topic.split(":", 1)[1], "version": event.originator_version,
                       "attributes": attributes})
        contract = PUBLISHED[type(event)]
        published.append({"type": contract.event_type(),
                          "data": payloads.data(contract, vars(event))})  # as the relay builds it
    text = json.dumps({"stored": stored, "published": published}, default=_plain, ensure_ascii=False, sort_keys=True)
    ids: dict[str, str] = {}
    for event in stored:
        ids.setdefault(str(event["attributes"]["originator_id"]), f"aggregate-{len(ids) + 1}")
    for real, numbered in ids.items():
        text = text.replace(real, numbered)
    return json.loads(text)


def test_the_story_stores_and_publishes_the_recorded_events() -> None:
    story = run_story()
    assert story.application is not None
    fresh = record(story.application)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(fresh["stored"]) == len(golden["stored"])
    for now, then in zip(fresh["stored"], golden["stored"], strict=True):
        assert now == then
    assert fresh["published"] == golden["published"]


if __name__ == "__main__":
    application = run_story().application
    assert application is not None
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(record(application), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
