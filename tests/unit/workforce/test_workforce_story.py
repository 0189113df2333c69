"""A social worker's working life, told as a story against the workforce application."""

from __future__ import annotations

import json
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from services.workforce.application import Workforce
from services.workforce.domain import credit_code_check_char, national_id_check_char
from services.workforce.published import PUBLISHED
from shared.domain import Context
from tests.kit.keywords import ByKeywords


def test_a_social_workers_story_from_hiring_to_leaving() -> None:
    app = ByKeywords(Workforce())
    admin = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau")
    hr = Context(actor="hr-1", role="hr_social_security", organisation="county-hrss")
    relay = Context(actor="stations-relay", role="system")
    east, west = uuid5(NAMESPACE_URL, "urn:test:station:east"), uuid5(NAMESPACE_URL, "urn:test:station:west")
    first17 = "52270119880214002"
    id_number = first17 + national_id_check_char(first17)
    phone = "13987654321"

    # The bureau registers the contractor, a social work organisation registered in the county.
    code17 = "52522700MJ0000001"
    org = app.register_organisation(
        admin,
        name="阳光社会工作服务中心",
        unified_social_credit_code=code17 + credit_code_check_char(code17),
        registered_in_county=True,
        registration_place="本县民政局",
        registered_on=date(2020, 9, 1),
    )["organisation_id"]
    # The stations service tells us it holds the contract for two stations.
    app.record_contract(
        relay,
        organisation_id=UUID(org),
        contract_id=uuid5(NAMESPACE_URL, "urn:test:contract:1"),
        station_ids=[east, west],
        source_seq=41,
    )
    contractor = Context(actor="director-1", role="contractor", organisation=org)

    # The contractor hires a social worker.
    worker = app.hire_worker(
        contractor,
        employer_id=UUID(org),
        name="张敏",
        national_id_number=id_number,
        phone=phone,
        hired_on=date(2021, 1, 4),
    )["worker_id"]
    wid = UUID(worker)
    app.record_education(contractor, worker_id=wid, level="bachelor", major="社会工作", school="贵州民族大学")

    # She passes the national exam: HR records the assistant social worker certificate.
    app.record_certificate(
        hr, worker_id=wid, level="assistant", obtained_on=date(2021, 2, 1), number="ZL-2021-7"
    )

    # She signs a three-year labour contract.
    app.sign_labour_contract(contractor, worker_id=wid, starts_on=date(2021, 1, 4), ends_on=date(2024, 1, 3))

    # She is posted to the east station.
    app.assign_to_station(contractor, worker_id=wid, station_id=east, assigned_on=date(2021, 1, 5))

    # She is paid twelve months; June's pay falls below the minimum wage and is flagged, not refused.
    flags = {}
    for month in range(1, 13):
        gross = 150000 if month == 6 else 320000
        paid_on = date(2021 + month // 12, month % 12 + 1, 10)
        result = app.record_pay(
            contractor, worker_id=wid, period=f"2021-{month:02d}", gross_fen=gross, paid_on=paid_on
        )
        flags[month] = result["pay"][-1]["below_minimum_wage"]
    assert [m for m, below in flags.items() if below] == [6]

    # She is enrolled in the five insurances and the housing fund; her personnel file is lodged.
    app.enrol_insurance(
        contractor,
        worker_id=wid,
        enrolled_on=date(2021, 1, 4),
        items=["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"],
    )
    app.record_personnel_file(
        contractor, worker_id=wid, held_at="县人才交流中心", lodged_on=date(2021, 1, 20)
    )

    # HR records her training.
    app.record_training(hr, worker_id=wid, course="社会救助政策", hours=16, completed_on=date(2021, 5, 20))

    # She transfers to the west station.
    app.transfer_to_station(contractor, worker_id=wid, station_id=west, transferred_on=date(2022, 1, 1))

    # She leaves; her station assignment and labour contract end with her.
    app.leave_workforce(contractor, worker_id=wid, left_on=date(2022, 3, 31), reason="考取公务员")

    record = app.get_worker(wid)
    assert record["station_id"] is None
    assert [(a["station_id"], a["from"], a["until"]) for a in record["assignments"]] == [
        (str(east), "2021-01-05", "2022-01-01"),
        (str(west), "2022-01-01", "2022-03-31"),
    ]
    assert record["labour_contract"] is None
    assert record["labour_contracts"][0]["ended_on"] == "2022-03-31"
    assert len(record["pay"]) == 12 and record["pay"][5]["below_minimum_wage"] is True
    assert len(record["insurance"]) == 6
    assert record["training_hours"] == 16
    assert record["left"] == {"left_on": "2022-03-31", "reason": "考取公务员"}
    assert record["national_id_number"] == id_number[:3] + "*" * 11 + id_number[-4:]

    # Everything published about her names her, but carries neither her id number nor her phone.
    payloads = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        domain_event = app.mapper.to_domain_event(notification)
        if type(domain_event) in PUBLISHED:
            payloads.append(PUBLISHED[type(domain_event)].from_event(vars(domain_event)).model_dump_json())
    published = "\n".join(payloads)
    assert id_number not in published
    assert phone not in published
    assert "张敏" in published
    pay = [json.loads(p) for p in payloads if '"period"' in p]
    assert len(pay) == 12
    assert pay[5] == {
        "period": "2021-06",
        "gross_fen": 150000,
        "paid_on": "2021-07-10",
        "below_minimum_wage": True,
        "minimum_wage_fen": 190000,
        "employer_id": org,
    }
