"""Every refusal of the stations API is a problem response naming the rule or field, and stores nothing.

Stations T07 (sited, under contract with "org-t07") and T08 (planned only); dates in 2023.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.stations.application import Stations
from tests.kit.plan import PLAN, ok
from tests.kit.problems import refused
from tests.kit.system import System
from tests.kit.waiting import eventually

T07, T08 = (str(Stations.station_id_for(code)) for code in ("T07", "T08"))
ORG = "org-t07"
CONTRACT = {
    "contract_number": "HT-E2E-T07", "organisation_id": ORG, "organisation_name": "七号社工",
    "station_ids": [T07], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 1_000_000,
    "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
    "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 1_000_000}], "signed_on": "2023-02-20",
}


@pytest.fixture(scope="module")
def admin(system: System) -> httpx.Client:
    client = system.client("stations")
    ok(client.put("/v1/county-plan", json=PLAN))
    for code in ("T07", "T08"):
        assert client.post("/v1/stations", json={"township_code": code},
                           headers={"Idempotency-Key": f"refusals-{code}"}).status_code == 201
    ok(client.put(f"/v1/stations/{T07}/site", json={"office_area_m2": 50, "facilities": ["桌"], "on": "2023-01-10"},
                  headers={"Idempotency-Key": "refusals-site-T07"}))
    ok(client.post("/v1/contracts", json=CONTRACT, headers={"Idempotency-Key": "refusals-contract"}), 201)
    return client


def version(admin: httpx.Client, path: str) -> int:
    return ok(admin.get(path))["version"]


@pytest.mark.parametrize(
    ("path", "body", "rule"),
    [
        (f"/v1/stations/{T08}/opening", {"on": "2023-05-01"}, "station.open.requires_site"),
        (f"/v1/stations/{T07}/opening", {"on": "2023-05-01"}, "station.open.requires_staff"),
        (f"/v1/stations/{T08}/suspension", {"reason": "x", "on": "2023-05-01"}, "station.suspend.not_open"),
        (f"/v1/stations/{T08}/reopening", {"on": "2023-05-01"}, "station.reopen.not_suspended"),
        (f"/v1/stations/{T08}/villages/T08-01/end", {"end": "2023-05-01"}, "station.end_village_coverage.not_covered"),
    ],
)
def test_illegal_station_transitions_are_409_naming_the_rule(admin: httpx.Client, path: str, body: dict,
                                                             rule: str) -> None:
    station = path.split("/")[3]
    before = version(admin, f"/v1/stations/{station}")
    refused(admin.post(path, json=body), 409, rule=rule)
    assert version(admin, f"/v1/stations/{station}") == before


def test_a_site_is_provided_once(admin: httpx.Client) -> None:
    before = version(admin, f"/v1/stations/{T07}")
    site = {"office_area_m2": 80, "facilities": ["椅"], "on": "2023-02-01"}
    refused(admin.put(f"/v1/stations/{T07}/site", json=site), 409, rule="station.provide_site.already_provided")
    assert version(admin, f"/v1/stations/{T07}") == before


def test_a_contract_needs_every_station_sited_and_stores_nothing(admin: httpx.Client) -> None:
    refused(admin.post("/v1/contracts", json={**CONTRACT, "contract_number": "HT-E2E-T08", "station_ids": [T08]}),
            409, rule="station.assign_contractor.requires_site")
    assert admin.get(f"/v1/contracts/{Stations.contract_id_for('HT-E2E-T08')}").status_code == 404
    assert ok(admin.get(f"/v1/stations/{T08}"))["contract_id"] is None


def test_a_station_has_one_active_contract(admin: httpx.Client) -> None:
    refused(admin.post("/v1/contracts", json={**CONTRACT, "contract_number": "HT-E2E-T07b"}), 409,
            rule="station.assign_contractor.already_assigned")
    assert admin.get(f"/v1/contracts/{Stations.contract_id_for('HT-E2E-T07b')}").status_code == 404


def test_disbursements_never_exceed_the_amount_nor_repeat_a_reference(admin: httpx.Client) -> None:
    cid = str(Stations.contract_id_for("HT-E2E-T07"))
    ok(admin.post(f"/v1/contracts/{cid}/disbursements",
                  json={"amount_fen": 400_000, "paid_on": "2023-03-15", "reference": "BF-T07-1"},
                  headers={"Idempotency-Key": "refusals-bf-1"}))
    before = version(admin, f"/v1/contracts/{cid}")
    refused(admin.post(f"/v1/contracts/{cid}/disbursements",
                       json={"amount_fen": 700_000, "paid_on": "2023-04-15", "reference": "BF-T07-2"}),
            409, rule="contract.disburse.exceeds_amount")
    refused(admin.post(f"/v1/contracts/{cid}/disbursements",
                       json={"amount_fen": 1, "paid_on": "2023-04-15", "reference": "BF-T07-1"}),
            409, rule="contract.disburse.duplicate_reference")
    assert version(admin, f"/v1/contracts/{cid}") == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/v1/stations/{T08}/site", {"office_area_m2": 0, "facilities": ["桌"], "on": "2023-01-10"},
         "office_area_m2"),
        (f"/v1/stations/{T08}/site", {"office_area_m2": 10, "facilities": [], "on": "2023-01-10"}, "facilities"),
        (f"/v1/stations/{T08}/site", {"office_area_m2": 10, "facilities": ["桌"], "on": "not-a-date"}, "on"),
        (f"/v1/stations/{T08}/site", {"office_area_m2": 10, "facilities": ["桌"], "on": "2023-01-10", "x": 1},
         "x"),
    ],
)
def test_bad_input_is_422_naming_the_field(admin: httpx.Client, path: str, body: dict, field: str) -> None:
    before = version(admin, f"/v1/stations/{T08}")
    refused(admin.put(path, json=body), 422, field=field)
    assert version(admin, f"/v1/stations/{T08}") == before


def test_a_payment_schedule_must_add_up_to_the_amount(admin: httpx.Client) -> None:
    body = {**CONTRACT, "contract_number": "HT-E2E-BAD", "payment_schedule": [{"due_on": "2023-03-15",
                                                                               "amount_fen": 5}]}
    refused(admin.post("/v1/contracts", json=body), 422, field="payment_schedule")
    assert admin.get(f"/v1/contracts/{Stations.contract_id_for('HT-E2E-BAD')}").status_code == 404


def test_a_village_of_another_township_is_422(admin: httpx.Client) -> None:
    before = version(admin, f"/v1/stations/{T07}")
    refused(admin.post(f"/v1/stations/{T07}/villages", json={"village_code": "T08-01", "start": "2023-02-01"}), 422,
            field="village_code")
    assert version(admin, f"/v1/stations/{T07}") == before


def test_a_stale_if_match_is_412_and_an_unknown_station_404(admin: httpx.Client) -> None:
    before = version(admin, f"/v1/stations/{T08}")
    refused(admin.put(f"/v1/stations/{T08}/site", headers={"If-Match": f'"{before - 1 or 99}"'},
                      json={"office_area_m2": 10, "facilities": ["桌"], "on": "2023-01-10"}), 412)
    assert version(admin, f"/v1/stations/{T08}") == before
    refused(admin.post("/v1/stations/not-a-station/opening", json={"on": "2023-05-01"}), 404)
    refused(admin.get(f"/v1/stations/{Stations.station_id_for('NOPE')}"), 404)


def test_a_township_provides_only_its_own_site_and_reads_only_its_own_station(system: System,
                                                                              admin: httpx.Client) -> None:
    other = system.client("stations", role="township", townships=["T07"])
    before = version(admin, f"/v1/stations/{T08}")
    refused(other.put(f"/v1/stations/{T08}/site", json={"office_area_m2": 10, "facilities": ["桌"],
                                                        "on": "2023-01-10"}), 403)
    assert version(admin, f"/v1/stations/{T08}") == before
    refused(other.get(f"/v1/stations/{T08}"), 403)
    refused(other.get(f"/v1/station-status/{eventually_projected(admin, T08)}"), 403)
    assert {s["township_code"] for s in ok(other.get("/v1/station-status"))["items"]} <= {"T07"}
    refused(other.post("/v1/contracts", json={**CONTRACT, "contract_number": "HT-E2E-TWN"}), 403)
    refused(other.get("/v1/contracts"), 403)


def eventually_projected(admin: httpx.Client, station_id: str) -> str:
    eventually(lambda: admin.get(f"/v1/station-status/{station_id}").status_code == 200)
    return station_id


def test_a_contractor_acts_only_on_stations_its_contract_covers(system: System, admin: httpx.Client) -> None:
    stranger = system.client("stations", role="contractor", organisation="org-other")
    holder = system.client("stations", role="contractor", organisation=ORG)
    ledger = {"year": 2023, "quarter": 1, "services_delivered": 1, "people_served": 1, "activities": 1,
              "staffing": 1, "spending_fen": 1, "submitted_on": "2023-04-05"}
    refused(stranger.post(f"/v1/stations/{T07}/ledgers", json=ledger), 403)
    refused(holder.post(f"/v1/stations/{T08}/ledgers", json=ledger), 403)
    ledger_id = Stations.ledger_id_for(Stations.station_id_for("T07"), 2023, 1)
    assert admin.get(f"/v1/ledgers/{ledger_id}").status_code == 404
    cid = str(Stations.contract_id_for("HT-E2E-T07"))
    refused(stranger.post("/v1/disclosures", json={"contract_id": cid, "kind": "progress", "title": "t",
                                                   "content": "c", "disclosed_on": "2023-04-01"}), 403)
    refused(stranger.get(f"/v1/contracts/{cid}"), 403)
    refused(stranger.get(f"/v1/stations/{T07}"), 403)
    assert ok(stranger.get("/v1/contracts"))["items"] == []
    assert eventually(lambda: [c["contract_number"] for c in ok(holder.get("/v1/contracts"))["items"]]) \
        == ["HT-E2E-T07"]
    refused(holder.get("/v1/contracts", params={"organisation_id": "org-other"}), 403)
    # A ledger for a quarter that has not ended is a 409, and nothing is stored.
    early = {**ledger, "year": 2023, "quarter": 2, "submitted_on": "2023-06-01"}
    refused(holder.post(f"/v1/stations/{T07}/ledgers", json=early), 409, rule="ledger.submit.quarter_not_ended")
    assert admin.get(f"/v1/ledgers/{Stations.ledger_id_for(Stations.station_id_for('T07'), 2023, 2)}") \
        .status_code == 404


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("township", "post", "/v1/stations", {"township_code": "T09"}),
        ("finance", "post", f"/v1/stations/{T07}/opening", {"on": "2023-05-01"}),
        ("contractor", "post", "/v1/evaluations", {"station_id": T07, "evaluated_on": "2023-05-01", "score": 90}),
        ("auditor", "post", "/v1/misuse-reports", {"station_id": T07, "worker_id": "w", "description": "d",
                                                   "observed_on": "2023-05-01"}),
        ("evaluator", "post", f"/v1/stations/{T07}/staffing", {"headcount": 5, "as_of": "2023-05-01",
                                                               "source_seq": 1}),
        ("social_worker", "get", "/v1/misuse-reports", None),
        ("township", "post", "/v1/county-plan/townships/T07/population",
         {"population": 1, "effective_on": "2023-01-01"}),
    ],
)
def test_roles_without_the_right_are_403_and_store_nothing(system: System, admin: httpx.Client, role: str,
                                                           method: str, path: str, body: dict[str, Any] | None,
                                                           ) -> None:
    client = system.client("stations", role=role, townships=["T07"], organisation=ORG)
    before = (version(admin, f"/v1/stations/{T07}"), version(admin, "/v1/county-plan"))
    response = client.request(method.upper(), path, json=body)
    refused(response, 403)
    assert (version(admin, f"/v1/stations/{T07}"), version(admin, "/v1/county-plan")) == before
    assert admin.get(f"/v1/stations/{Stations.station_id_for('T09')}").status_code in (200, 404)


def test_the_county_plan_keeps_population_history_and_refuses_an_unknown_township(admin: httpx.Client) -> None:
    plan = ok(admin.get("/v1/county-plan"))
    refused(admin.post("/v1/county-plan/townships/T99/population",
                       json={"population": 10, "effective_on": "2023-01-01"}), 422)
    refused(admin.post("/v1/county-plan/townships/T07/villages", json={"village_code": "T07-01", "name": "重名村",
                                                                       "kind": "village"}), 409)
    assert ok(admin.get("/v1/county-plan"))["version"] == plan["version"]
