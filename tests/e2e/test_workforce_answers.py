"""What the workforce API answers: a create is 201 with the resource at its Location and its ETag; a change answers
the resource as it now is; the ETag is what If-Match takes next. Dates are 2026, apart from the other modules."""

from __future__ import annotations

from typing import Any

import httpx

from tests.kit.ids import credit_code, national_id
from tests.kit.system import System


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def test_a_create_answers_the_resource_at_its_location_and_a_change_the_resource_as_it_now_is(system: System) -> None:
    admin = system.client("workforce")
    registered = admin.post("/v1/organisations", json={
        "name": "应答测试社工中心", "unified_social_credit_code": credit_code(1, tag="MJA"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2026-01-02"})
    organisation = ok(registered, 201)
    assert registered.headers["Location"] == f"/v1/organisations/{organisation['id']}"
    assert registered.headers["ETag"] == '"1"' and organisation["version"] == 1
    assert ok(admin.get(registered.headers["Location"])) == organisation

    hired = admin.post("/v1/workers", json={
        "employer_id": organisation["id"], "name": "应答", "national_id_number": national_id(1, "19860606"),
        "phone": "13600000001", "hired_on": "2026-01-05"})
    worker = ok(hired, 201)
    assert worker["id"] == worker["worker_id"] and worker["national_id_number"].count("*") == 11
    assert ok(admin.get(hired.headers["Location"])) == {**worker, "training": []}  # GET lists the courses

    changed = admin.post(f"/v1/workers/{worker['id']}/education", headers={"If-Match": hired.headers["ETag"]},
                         json={"level": "master", "major": "社会工作", "school": "某大学"})
    record = ok(changed)
    assert changed.headers["ETag"] == f'"{record["version"]}"' and record["version"] == worker["version"] + 1
    assert record["education"] == [{"level": "master", "major": "社会工作", "school": "某大学"}]
    assert ok(admin.get(hired.headers["Location"])) == {**record, "training": []}


def test_a_command_answers_the_training_totals_and_get_lists_the_courses(system: System) -> None:
    admin, hr = system.client("workforce"), system.client("workforce", role="hr_social_security")
    organisation = ok(admin.post("/v1/organisations", json={
        "name": "培训应答社工中心", "unified_social_credit_code": credit_code(2, tag="MJA"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2026-01-02"}), 201)
    worker = ok(admin.post("/v1/workers", json={
        "employer_id": organisation["id"], "name": "培训", "national_id_number": national_id(2, "19860606"),
        "phone": "13600000002", "hired_on": "2026-01-05"}), 201)
    assert (worker["training"], worker["training_count"], worker["training_hours"]) == (None, 0, 0)
    courses = [{"course": "社会救助政策", "hours": 16, "completed_on": "2026-02-10"},
               {"course": "个案管理", "hours": 6, "completed_on": "2026-03-02"}]
    for course in courses:
        trained = hr.post(f"/v1/workers/{worker['id']}/training", json=course)
        answer = ok(trained)
        assert answer["training"] is None and trained.headers["ETag"] == f'"{answer["version"]}"'
    assert (answer["training_count"], answer["training_hours"]) == (2, 22)

    shown = admin.get(f"/v1/workers/{worker['id']}")
    record = ok(shown)
    assert record["training"] == courses and shown.headers["ETag"] == trained.headers["ETag"]
    assert {**record, "training": None} == answer
