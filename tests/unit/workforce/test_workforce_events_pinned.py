"""The workforce service's events are pinned: a scripted story must store and publish exactly what it always did.

The story runs every workforce command through the application (in-memory store, fixed ids, dates and contexts) and
records each stored event (its class, version and attributes, without the timestamp; classes are named without
their module, which may move) and each published document's
``type`` and ``data``. ``workforce_events.json`` holds the record made before the service was reorganised; any
difference is a change departments' systems and the audit ledger would see. After a deliberate change of an event,
write the file again with ``python -m tests.unit.workforce.test_workforce_events_pinned`` and review the diff.
"""

from __future__ import annotations

import inspect
import json
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, get_type_hints
from uuid import NAMESPACE_URL, UUID, uuid5

from services.workforce.application import Workforce
from services.workforce.published import PUBLISHED
from shared import payloads
from shared.domain import Context
from tests.kit.ids import credit_code, national_id

PINNED = Path(__file__).with_name("workforce_events.json")
COUNTY = "XX"


def _station(name: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"urn:pinned:station:{name}"))


_person = partial(national_id, born="19880214")
_code = partial(credit_code, tag="MJP")
ACTORS = {
    "admin": Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau", correlation_id="c-1"),
    "hr": Context(actor="hr-1", role="hr_social_security", organisation="county-hrss", correlation_id="c-2"),
    "party": Context(actor="party-1", role="party_organisation", organisation="county-party", correlation_id="c-3"),
    "relay": Context(actor="stations-relay", role="system", correlation_id="c-4", causation_id="stations-41"),
}
EAST, WEST, NORTH = _station("east"), _station("west"), _station("north")
ORG, AWAY = str(Workforce.organisation_id_for(_code(1))), str(Workforce.organisation_id_for(_code(2)))
CONTRACT = str(uuid5(NAMESPACE_URL, "urn:pinned:contract:1"))


def story(app: Workforce) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Every command of the service once or more: (command, actor, path parameters, request body)."""
    zhang, li, wang = (str(app.worker_id_for(_person(n))) for n in (1, 2, 3))
    dispute = str(uuid5(UUID(zhang), "dispute:1"))
    org_contractor = "contractor"
    return [
        ("register_organisation", "admin", {}, {
            "name": "阳光社会工作服务中心", "unified_social_credit_code": _code(1), "registered_in_county": True,
            "registration_place": "本县民政局", "registered_on": "2020-09-01"}),
        ("register_organisation", "admin", {}, {
            "name": "远方社工", "unified_social_credit_code": _code(2), "registered_in_county": False,
            "registration_place": "外县民政局", "registered_on": "2020-10-01"}),
        ("register_in_county", "admin", {"organisation_id": AWAY}, {"registered_on": "2021-03-01"}),
        ("record_party_organisation", "party", {"organisation_id": ORG}, {"set_up_on": "2021-04-01"}),
        ("record_contract", "relay", {"organisation_id": ORG}, {
            "contract_id": CONTRACT, "station_ids": [EAST, WEST], "source_seq": 41}),
        ("hire_worker", org_contractor, {}, {
            "employer_id": ORG, "name": "张敏", "national_id_number": _person(1), "phone": "13987654321",
            "hired_on": "2021-01-04"}),
        ("hire_worker", "admin", {}, {
            "employer_id": ORG, "name": "李督导", "national_id_number": _person(2), "phone": "13987654322",
            "hired_on": "2021-01-05"}),
        ("hire_worker", org_contractor, {}, {
            "employer_id": ORG, "name": "王一", "national_id_number": _person(3), "phone": "13987654323",
            "hired_on": "2021-02-01"}),
        ("change_phone", org_contractor, {"worker_id": zhang}, {"phone": "13987650000"}),
        ("record_education", org_contractor, {"worker_id": zhang}, {
            "level": "bachelor", "major": "社会工作", "school": "贵州民族大学"}),
        ("record_certificate", "hr", {"worker_id": zhang}, {
            "level": "assistant", "obtained_on": "2021-02-01", "number": "ZL-2021-7"}),
        ("record_certificate", "admin", {"worker_id": li}, {
            "level": "senior", "obtained_on": "2021-01-10", "number": "GJ-2021-1"}),
        ("award_title", "hr", {"worker_id": zhang}, {"title": "助理社会工作师", "awarded_on": "2021-03-01"}),
        ("sign_labour_contract", org_contractor, {"worker_id": zhang}, {
            "starts_on": "2021-01-04", "ends_on": "2022-01-03"}),
        ("renew_labour_contract", org_contractor, {"worker_id": zhang}, {"ends_on": "2024-01-03"}),
        ("sign_labour_contract", org_contractor, {"worker_id": wang}, {"starts_on": "2021-02-01", "ends_on": None}),
        ("end_labour_contract", org_contractor, {"worker_id": wang}, {"ended_on": "2021-08-31", "reason": "协商解除"}),
        ("assign_to_station", org_contractor, {"worker_id": zhang}, {"station_id": EAST, "assigned_on": "2021-01-05"}),
        ("assign_to_station", org_contractor, {"worker_id": wang}, {"station_id": WEST, "assigned_on": "2021-02-02"}),
        ("unassign_from_station", org_contractor, {"worker_id": wang}, {
            "unassigned_on": "2021-08-31", "reason": "合同结束"}),
        ("record_pay", org_contractor, {"worker_id": zhang}, {
            "period": "2021-05", "gross_fen": 320_000, "paid_on": "2021-06-10"}),
        ("record_pay", org_contractor, {"worker_id": zhang}, {
            "period": "2021-06", "gross_fen": 150_000, "paid_on": "2021-07-10"}),
        ("enrol_insurance", org_contractor, {"worker_id": zhang}, {
            "items": ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"],
            "enrolled_on": "2021-01-04"}),
        ("record_personnel_file", org_contractor, {"worker_id": zhang}, {
            "held_at": "县人才交流中心", "lodged_on": "2021-01-20"}),
        ("record_training", "hr", {"worker_id": zhang}, {
            "course": "社会救助政策", "hours": 16, "completed_on": "2021-05-20"}),
        ("open_dispute", "hr", {"worker_id": zhang}, {"summary": "加班费争议", "opened_on": "2021-07-01"}),
        ("resolve_dispute", "hr", {"worker_id": zhang, "dispute_id": dispute}, {
            "outcome": "调解补发加班费", "resolved_on": "2021-07-20"}),
        ("record_party_status", "party", {"worker_id": zhang}, {"status": "activist", "effective_on": "2021-07-01"}),
        ("designate_supervisor", "admin", {"worker_id": li}, {"designated_on": "2021-01-12"}),
        ("assign_supervision", "admin", {"supervisor_id": li}, {"station_id": EAST, "assigned_on": "2021-01-12"}),
        ("assign_supervision", "admin", {"supervisor_id": li}, {"station_id": NORTH, "assigned_on": "2021-01-12"}),
        ("release_supervision", "admin", {"supervisor_id": li, "station_id": NORTH}, {"released_on": "2021-06-30"}),
        ("transfer_to_station", org_contractor, {"worker_id": zhang}, {
            "station_id": WEST, "transferred_on": "2022-01-01"}),
        ("leave_workforce", org_contractor, {"worker_id": zhang}, {"left_on": "2022-03-31", "reason": "考取公务员"}),
        ("record_contract_ended", "relay", {"organisation_id": ORG, "contract_id": CONTRACT}, {"source_seq": 57}),
        ("enter_baseline", "admin", {"county_code": COUNTY}, {
            "certified_social_workers": 20, "professionals": 300, "year": 2020}),
        ("record_yearly_figures", "admin", {"county_code": COUNTY}, {
            "year": 2021, "certified_social_workers": 31, "professionals": 420}),
        ("correct_baseline", "admin", {"county_code": COUNTY}, {
            "certified_social_workers": 22, "professionals": 310, "reason": "民政统计口径更正"}),
    ]


def _send(app: Workforce, command: str, ctx: Context, params: dict[str, Any], body: dict[str, Any]) -> None:
    """Sends one step as the API does: the body becomes the method's typed command, the path its leading ids."""
    method = getattr(app, command)
    hints = get_type_hints(method)
    names = list(inspect.signature(method).parameters)
    path = [params[name] if hints[name] is str else UUID(params[name]) for name in names[1:names.index("command")]]
    method(ctx, *path, hints["command"].model_validate(body))


def run(app: Workforce) -> None:
    """Runs the story against ``app``."""
    actors = {**ACTORS, "contractor": Context(actor="director-1", role="contractor", organisation=ORG,
                                              correlation_id="c-5")}
    for command, actor, params, body in story(app):
        _send(app, command, actors[actor], params, body)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Context):
        return _plain(value.as_dict())
    if isinstance(value, date | UUID | Decimal):
        return str(value)
    return value


def record() -> dict[str, Any]:
    """What the story stores and publishes, in a form JSON can hold."""
    app = Workforce(env={"WORKFORCE_IDENTITY_KEY": "pinned-story-key"})
    run(app)
    stored, published = [], []
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        domain_event = app.mapper.to_domain_event(notification)
        attributes = {k: v for k, v in vars(domain_event).items() if k != "timestamp"}
        if "originator_topic" in attributes:  # the class, not the module it lives in
            attributes["originator_topic"] = attributes["originator_topic"].partition(":")[2]
        stored.append({"event": notification.topic.partition(":")[2], "version": notification.originator_version,
                       "attributes": _plain(attributes)})
        contract = PUBLISHED.get(type(domain_event))
        if contract is not None:
            data = payloads.data(contract, vars(domain_event))  # as the relay builds it
            published.append({"type": contract.event_type(), "data": data})
    return {"stored": stored, "published": published}


def test_the_story_stores_and_publishes_exactly_the_pinned_events() -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(record(), ensure_ascii=False))
    assert len(fresh["stored"]) == len(pinned["stored"])
    for now, then in zip(fresh["stored"], pinned["stored"], strict=True):
        assert now == then
    assert fresh["published"] == pinned["published"]


if __name__ == "__main__":
    PINNED.write_text(json.dumps(record(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
