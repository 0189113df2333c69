"""Unit tests of the workforce application: commands, refusals, roles and masking (in-memory store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from services.workforce.application import Workforce, identity_key, policy_from
from services.workforce.domain import Policy
from shared.domain import Context, Forbidden, Invalid, NotFound, RuleViolated, StaleVersion
from shared.settings import Settings
from tests.kit.actors import ADMIN, HR, PARTY
from tests.kit.ids import credit_code, national_id
from tests.kit.keywords import ByKeywords
from tests.kit.problems import refused_command

RELAY = Context(actor="stations-relay", role="system", organisation="county")
TOWNSHIP = Context(actor="tw-1", role="township", organisation="town-1", townships=("town-1",))
PHONE = "13812345678"
POLICY = policy_from(Settings())


def station(n: int) -> UUID:
    """A station id as the stations service would give it."""
    return uuid5(NAMESPACE_URL, f"urn:test:station:{n}")


@dataclass
class World:
    """An application with one contractor organisation holding ten stations and one hired worker."""

    app: Workforce
    organisation_id: str
    contractor: Context
    worker_id: str

    def worker(self) -> dict[str, Any]:
        """The worker's record as the admin sees it (masked)."""
        return self.app.get_worker(UUID(self.worker_id))


def make_world(policy: Policy | None = None) -> World:
    """Registers an organisation, records its contract for ten stations and hires a worker."""
    app = ByKeywords(Workforce(policy=policy or POLICY))
    organisation_id = register_org(app, 1)
    app.record_contract(
        RELAY,
        organisation_id=UUID(organisation_id),
        contract_id=uuid5(NAMESPACE_URL, "c1"),
        station_ids=[station(n) for n in range(1, 11)],
        source_seq=1,
    )
    contractor = Context(actor="boss-1", role="contractor", organisation=organisation_id)
    hired = app.hire_worker(
        contractor,
        employer_id=UUID(organisation_id),
        name="李娜",
        national_id_number=national_id(1),
        phone=PHONE,
        hired_on=date(2021, 3, 1),
    )
    return World(app, organisation_id, contractor, hired["worker_id"])


def register_org(app: Workforce, seq: int) -> str:
    """Registers organisation number ``seq``; returns its id."""
    result = app.register_organisation(
        ADMIN,
        name=f"机构{seq}",
        unified_social_credit_code=credit_code(seq),
        registered_in_county=True,
        registration_place="本县",
        registered_on=date(2020, 6, 1),
    )
    return result["organisation_id"]


def other_contractor(app: Workforce) -> Context:
    """A contractor of a second organisation."""
    return Context(actor="boss-2", role="contractor", organisation=register_org(app, 2))


# --- refusals ----------------------------------------------------------------------------------


def test_cannot_pay_the_same_period_twice() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.record_pay(
        w.contractor, worker_id=wid, period="2021-03", gross_fen=300000, paid_on=date(2021, 4, 10)
    )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.record_pay(
            w.contractor, worker_id=wid, period="2021-03", gross_fen=300000, paid_on=date(2021, 4, 11)
        ),
    )
    assert error.rule == "workforce.pay.period_already_paid"


def test_cannot_pay_before_the_worker_was_hired() -> None:
    w = make_world()
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.record_pay(
            w.contractor,
            worker_id=UUID(w.worker_id),
            period="2021-02",
            gross_fen=300000,
            paid_on=date(2021, 3, 5),
        ),
    )
    assert error.rule == "workforce.pay.before_hire"


@pytest.mark.parametrize(
    ("period", "gross_fen", "paid_on", "field"),
    [
        ("2021-13", 300000, date(2021, 4, 1), "period"),
        ("2021/03", 300000, date(2021, 4, 1), "period"),
        ("2021-03", 0, date(2021, 4, 1), "gross_fen"),
        ("2021-03", 3000.5, date(2021, 4, 1), "gross_fen"),
        ("2021-03", 300000, date(2021, 2, 28), "paid_on"),
    ],
)
def test_pay_with_invalid_values_is_refused(period: str, gross_fen: Any, paid_on: date, field: str) -> None:
    w = make_world()
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.record_pay(
            w.contractor, worker_id=UUID(w.worker_id), period=period, gross_fen=gross_fen, paid_on=paid_on
        ),
    )
    assert error.field == field


def test_cannot_assign_a_worker_to_two_stations_at_once() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.assign_to_station(w.contractor, worker_id=wid, station_id=station(1), assigned_on=date(2021, 3, 2))
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_to_station(
            w.contractor, worker_id=wid, station_id=station(2), assigned_on=date(2021, 3, 3)
        ),
    )
    assert error.rule == "workforce.assignment.already_assigned"
    assert w.worker()["station_id"] == str(station(1))


def test_cannot_transfer_a_worker_who_is_not_assigned_or_to_the_same_station() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.transfer_to_station(
            w.contractor, worker_id=wid, station_id=station(2), transferred_on=date(2021, 4, 1)
        ),
    )
    assert error.rule == "workforce.assignment.not_assigned"
    w.app.assign_to_station(w.contractor, worker_id=wid, station_id=station(1), assigned_on=date(2021, 3, 2))
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.transfer_to_station(
            w.contractor, worker_id=wid, station_id=station(1), transferred_on=date(2021, 4, 1)
        ),
    )
    assert error.rule == "workforce.assignment.same_station"


def test_cannot_assign_before_the_worker_was_hired() -> None:
    w = make_world()
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_to_station(
            w.contractor, worker_id=UUID(w.worker_id), station_id=station(1), assigned_on=date(2021, 1, 1)
        ),
    )
    assert error.rule == "workforce.assignment.before_hire"


def test_a_contractor_cannot_assign_to_a_station_it_holds_no_contract_for() -> None:
    w = make_world()
    refused_command(
        w.app,
        Forbidden,
        lambda: w.app.assign_to_station(
            w.contractor, worker_id=UUID(w.worker_id), station_id=station(99), assigned_on=date(2021, 3, 2)
        ),
    )
    # The bureau may assign anywhere (the contract event may not have arrived yet).
    w.app.assign_to_station(
        ADMIN, worker_id=UUID(w.worker_id), station_id=station(99), assigned_on=date(2021, 3, 2)
    )


def test_labour_contract_cannot_end_before_it_starts() -> None:
    w = make_world()
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.sign_labour_contract(
            w.contractor, worker_id=UUID(w.worker_id), starts_on=date(2021, 3, 1), ends_on=date(2021, 2, 28)
        ),
    )
    assert error.field == "ends_on"
    assert w.worker()["labour_contract"] is None


def test_labour_contract_rules_on_signing_twice_and_renewing() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.sign_labour_contract(
        w.contractor, worker_id=wid, starts_on=date(2021, 3, 1), ends_on=date(2024, 2, 29)
    )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.sign_labour_contract(
            w.contractor, worker_id=wid, starts_on=date(2021, 4, 1), ends_on=date(2024, 3, 31)
        ),
    )
    assert error.rule == "workforce.labour_contract.already_signed"
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.renew_labour_contract(w.contractor, worker_id=wid, ends_on=date(2023, 12, 31)),
    )
    assert error.field == "ends_on"
    w.app.renew_labour_contract(w.contractor, worker_id=wid, ends_on=date(2027, 2, 28))
    contract = w.worker()["labour_contract"]
    assert contract["ends_on"] == "2027-02-28" and contract["renewals"] == 1
    w.app.end_labour_contract(w.contractor, worker_id=wid, ended_on=date(2025, 1, 31), reason="协商解除")
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.renew_labour_contract(w.contractor, worker_id=wid, ends_on=date(2030, 1, 1)),
    )
    assert error.rule == "workforce.labour_contract.none"


@pytest.mark.parametrize(
    "number",
    [
        national_id(1)[:17] + ("0" if national_id(1)[17] != "0" else "1"),  # wrong check digit
        national_id(1)[:17],  # too short
        "11010519901301001X",  # month 13
        "1101051990010100AX",  # letter inside
        "",
    ],
)
def test_an_invalid_national_id_number_is_refused(number: str) -> None:
    w = make_world()
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.hire_worker(
            w.contractor,
            employer_id=UUID(w.organisation_id),
            name="王五",
            national_id_number=number,
            phone="13900001111",
            hired_on=date(2021, 5, 1),
        ),
    )
    assert error.field == "national_id_number"


@pytest.mark.parametrize("phone", ["1381234567", "138123456789", "23812345678", "138-1234-567", ""])
def test_an_invalid_phone_is_refused(phone: str) -> None:
    w = make_world()
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.hire_worker(
            w.contractor,
            employer_id=UUID(w.organisation_id),
            name="王五",
            national_id_number=national_id(2),
            phone=phone,
            hired_on=date(2021, 5, 1),
        ),
    )
    assert error.field == "phone"
    error = refused_command(
        w.app, Invalid, lambda: w.app.change_phone(w.contractor, worker_id=UUID(w.worker_id), phone=phone)
    )
    assert error.field == "phone"


def test_the_same_person_cannot_be_hired_twice() -> None:
    w = make_world()
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.hire_worker(
            ADMIN,
            employer_id=UUID(w.organisation_id),
            name="李娜",
            national_id_number=national_id(1).lower(),
            phone="13900001111",
            hired_on=date(2022, 1, 1),
        ),
    )
    assert error.rule == "workforce.worker.already_hired"


def test_an_organisation_cannot_be_registered_twice_or_with_an_invalid_code() -> None:
    w = make_world()
    error = refused_command(w.app, RuleViolated, lambda: register_org(w.app, 1))
    assert error.rule == "workforce.organisation.already_registered"
    bad = credit_code(3)[:17] + ("0" if credit_code(3)[17] != "0" else "1")
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.register_organisation(
            ADMIN,
            name="x",
            unified_social_credit_code=bad,
            registered_in_county=False,
            registration_place="市",
            registered_on=date(2020, 1, 1),
        ),
    )
    assert error.field == "unified_social_credit_code"


def test_a_party_organisation_is_recorded_once() -> None:
    w = make_world()
    oid = UUID(w.organisation_id)
    w.app.record_party_organisation(PARTY, organisation_id=oid, set_up_on=date(2021, 7, 1))
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.record_party_organisation(PARTY, organisation_id=oid, set_up_on=date(2021, 8, 1)),
    )
    assert error.rule == "workforce.organisation.party_organisation_exists"
    assert w.app.get_organisation(oid)["party_organisation"] == {"set_up_on": "2021-07-01"}


def test_insurance_item_is_enrolled_once_and_must_be_known() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.enrol_insurance(w.contractor, worker_id=wid, items=["pension"], enrolled_on=date(2021, 3, 1))
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.enrol_insurance(
            w.contractor, worker_id=wid, items=["medical", "pension"], enrolled_on=date(2021, 4, 1)
        ),
    )
    assert error.rule == "workforce.insurance.already_enrolled"
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.enrol_insurance(
            w.contractor, worker_id=wid, items=["dental"], enrolled_on=date(2021, 4, 1)
        ),
    )
    assert error.field == "item"
    assert w.worker()["insurance"] == {"pension": "2021-03-01"}


def test_a_dispute_is_resolved_once() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    dispute = w.app.open_dispute(HR, worker_id=wid, summary="加班费争议", opened_on=date(2022, 5, 1))[
        "disputes"
    ][-1]["dispute_id"]
    refused_command(
        w.app,
        NotFound,
        lambda: w.app.resolve_dispute(
            HR, worker_id=wid, dispute_id="nope", outcome="x", resolved_on=date(2022, 6, 1)
        ),
    )
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.resolve_dispute(
            HR, worker_id=wid, dispute_id=dispute, outcome="调解", resolved_on=date(2022, 4, 1)
        ),
    )
    assert error.field == "resolved_on"
    w.app.resolve_dispute(
        HR, worker_id=wid, dispute_id=dispute, outcome="调解结案", resolved_on=date(2022, 6, 1)
    )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.resolve_dispute(
            HR, worker_id=wid, dispute_id=dispute, outcome="again", resolved_on=date(2022, 7, 1)
        ),
    )
    assert error.rule == "workforce.dispute.already_resolved"
    assert w.worker()["disputes"][0]["outcome"] == "调解结案"


def test_a_worker_who_left_cannot_be_assigned_or_paid_for_later_periods() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.leave_workforce(w.contractor, worker_id=wid, left_on=date(2022, 6, 15), reason="个人原因")
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_to_station(
            w.contractor, worker_id=wid, station_id=station(1), assigned_on=date(2022, 7, 1)
        ),
    )
    assert error.rule == "workforce.worker.has_left"
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.record_pay(
            w.contractor, worker_id=wid, period="2022-07", gross_fen=300000, paid_on=date(2022, 8, 1)
        ),
    )
    assert error.rule == "workforce.pay.after_leaving"
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.leave_workforce(w.contractor, worker_id=wid, left_on=date(2022, 7, 1), reason="again"),
    )
    assert error.rule == "workforce.worker.already_left"
    # The final month is still paid, and a dispute can follow the worker out.
    w.app.record_pay(
        w.contractor, worker_id=wid, period="2022-06", gross_fen=150000, paid_on=date(2022, 6, 30)
    )
    w.app.open_dispute(HR, worker_id=wid, summary="经济补偿", opened_on=date(2022, 7, 10))


# --- supervisors -------------------------------------------------------------------------------


def make_supervisor(w: World) -> UUID:
    """Certifies the world's worker as senior social worker and designates them supervisor."""
    wid = UUID(w.worker_id)
    w.app.record_certificate(HR, worker_id=wid, level="senior", obtained_on=date(2021, 6, 1), number="GJ-001")
    w.app.designate_supervisor(ADMIN, worker_id=wid, designated_on=date(2021, 7, 1))
    return wid


def test_an_assistant_certificate_does_not_make_a_supervisor() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.record_certificate(
        w.contractor, worker_id=wid, level="assistant", obtained_on=date(2021, 6, 1), number="ZL-001"
    )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.designate_supervisor(ADMIN, worker_id=wid, designated_on=date(2021, 7, 1)),
    )
    assert error.rule == "workforce.supervisor.requires_certificate"


def test_by_default_an_experienced_social_worker_may_supervise_as_the_plan_asks() -> None:
    # 资深社工: a 社会工作师 (social_worker) certificate qualifies, and so does 高级社会工作师 (senior).
    assert POLICY.supervisor_certificate_levels == ("social_worker", "senior")
    w = make_world()
    wid = UUID(w.worker_id)
    w.app.record_certificate(HR, worker_id=wid, level="social_worker", obtained_on=date(2021, 6, 1), number="Z1")
    w.app.designate_supervisor(ADMIN, worker_id=wid, designated_on=date(2021, 7, 1))
    assert w.worker()["supervisor"] == {"since": "2021-07-01", "stations": []}


def test_the_required_supervisor_certificate_is_a_setting() -> None:
    w = make_world(policy_from(Settings(supervisor_certificate_level="senior")))
    wid = UUID(w.worker_id)
    w.app.record_certificate(HR, worker_id=wid, level="social_worker", obtained_on=date(2021, 6, 1), number="Z1")
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.designate_supervisor(ADMIN, worker_id=wid, designated_on=date(2021, 7, 1)),
    )
    assert error.rule == "workforce.supervisor.requires_certificate"
    assert "senior" in str(error) and "social_worker" not in str(error)


def test_a_certificate_level_is_recorded_once() -> None:
    w = make_world()
    wid = make_supervisor(w)
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.record_certificate(
            HR, worker_id=wid, level="senior", obtained_on=date(2022, 1, 1), number="GJ-002"
        ),
    )
    assert error.rule == "workforce.certificate.already_held"
    error = refused_command(
        w.app,
        Invalid,
        lambda: w.app.record_certificate(
            HR, worker_id=wid, level="master", obtained_on=date(2022, 1, 1), number="X"
        ),
    )
    assert error.field == "level"


def test_a_supervisor_cannot_be_given_more_than_the_maximum_stations() -> None:
    w = make_world()
    sid = make_supervisor(w)
    for n in range(1, 9):
        w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(n), assigned_on=date(2021, 7, 1)
        )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(9), assigned_on=date(2021, 7, 2)
        ),
    )
    assert error.rule == "workforce.supervisor.over_maximum"
    assert w.app.supervisor_load(sid)["count"] == 8


def test_the_supervisor_maximum_is_a_policy_parameter() -> None:
    w = make_world(replace(POLICY, supervisor_min_stations=2, supervisor_max_stations=3))
    sid = make_supervisor(w)
    for n in range(1, 4):
        w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(n), assigned_on=date(2021, 7, 1)
        )
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(4), assigned_on=date(2021, 7, 1)
        ),
    )
    assert error.rule == "workforce.supervisor.over_maximum"


def test_a_station_is_not_given_to_the_same_supervisor_twice_and_needs_a_designation() -> None:
    w = make_world()
    wid = UUID(w.worker_id)
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_supervision(
            ADMIN, supervisor_id=wid, station_id=station(1), assigned_on=date(2021, 7, 1)
        ),
    )
    assert error.rule == "workforce.supervisor.not_designated"
    with pytest.raises(NotFound):
        w.app.supervisor_load(wid)
    make_supervisor(w)
    w.app.assign_supervision(ADMIN, supervisor_id=wid, station_id=station(1), assigned_on=date(2021, 7, 1))
    error = refused_command(
        w.app,
        RuleViolated,
        lambda: w.app.assign_supervision(
            ADMIN, supervisor_id=wid, station_id=station(1), assigned_on=date(2021, 7, 2)
        ),
    )
    assert error.rule == "workforce.supervisor.station_already_supervised"


def test_supervisor_load_warns_below_the_minimum_and_not_within_range() -> None:
    w = make_world()
    sid = make_supervisor(w)
    for n in range(1, 4):
        w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(n), assigned_on=date(2021, 7, 1)
        )
    load = w.app.supervisor_load(sid)
    assert (load["count"], load["minimum"], load["maximum"], load["status"]) == (3, 5, 8, "below_minimum")
    assert [x["code"] for x in load["warnings"]] == ["workforce.supervisor.below_minimum"]
    for n in range(4, 6):
        w.app.assign_supervision(
            ADMIN, supervisor_id=sid, station_id=station(n), assigned_on=date(2021, 7, 1)
        )
    w.app.release_supervision(ADMIN, supervisor_id=sid, station_id=station(1), released_on=date(2021, 8, 1))
    w.app.assign_supervision(ADMIN, supervisor_id=sid, station_id=station(6), assigned_on=date(2021, 8, 1))
    load = w.app.supervisor_load(sid)
    assert load["status"] == "within_range" and load["warnings"] == []
    assert load["stations"] == [str(station(n)) for n in (2, 3, 4, 5, 6)]


# --- roles ---------------------------------------------------------------------------------------


ROLE_REFUSALS: list[tuple[str, Callable[[World, Context], Any]]] = [
    (
        "hire",
        lambda w, c: w.app.hire_worker(
            c,
            employer_id=UUID(w.organisation_id),
            name="x",
            national_id_number=national_id(7),
            phone=PHONE,
            hired_on=date(2021, 5, 1),
        ),
    ),
    (
        "pay",
        lambda w, c: w.app.record_pay(
            c, worker_id=UUID(w.worker_id), period="2021-03", gross_fen=300000, paid_on=date(2021, 4, 1)
        ),
    ),
    (
        "contract",
        lambda w, c: w.app.sign_labour_contract(
            c, worker_id=UUID(w.worker_id), starts_on=date(2021, 3, 1), ends_on=None
        ),
    ),
    (
        "assign",
        lambda w, c: w.app.assign_to_station(
            c, worker_id=UUID(w.worker_id), station_id=station(1), assigned_on=date(2021, 3, 2)
        ),
    ),
    (
        "insurance",
        lambda w, c: w.app.enrol_insurance(
            c, worker_id=UUID(w.worker_id), items=["pension"], enrolled_on=date(2021, 3, 1)
        ),
    ),
    (
        "leave",
        lambda w, c: w.app.leave_workforce(
            c, worker_id=UUID(w.worker_id), left_on=date(2021, 9, 1), reason="x"
        ),
    ),
    (
        "training",
        lambda w, c: w.app.record_training(
            c, worker_id=UUID(w.worker_id), course="x", hours=8, completed_on=date(2021, 4, 1)
        ),
    ),
    (
        "title",
        lambda w, c: w.app.award_title(
            c, worker_id=UUID(w.worker_id), title="助理社会工作师", awarded_on=date(2021, 4, 1)
        ),
    ),
    (
        "dispute",
        lambda w, c: w.app.open_dispute(
            c, worker_id=UUID(w.worker_id), summary="x", opened_on=date(2021, 4, 1)
        ),
    ),
    (
        "party",
        lambda w, c: w.app.record_party_status(
            c, worker_id=UUID(w.worker_id), status="member", effective_on=date(2021, 4, 1)
        ),
    ),
    (
        "designate",
        lambda w, c: w.app.designate_supervisor(
            c, worker_id=UUID(w.worker_id), designated_on=date(2021, 4, 1)
        ),
    ),
    (
        "baseline",
        lambda w, c: w.app.enter_baseline(
            c, county_code="520000", certified_social_workers=10, professionals=40
        ),
    ),
    (
        "register",
        lambda w, c: w.app.register_organisation(
            c,
            name="x",
            unified_social_credit_code=credit_code(9),
            registered_in_county=True,
            registration_place="本县",
            registered_on=date(2021, 1, 1),
        ),
    ),
    (
        "party_org",
        lambda w, c: w.app.record_party_organisation(
            c, organisation_id=UUID(w.organisation_id), set_up_on=date(2021, 1, 1)
        ),
    ),
    (
        "contract_feed",
        lambda w, c: w.app.record_contract(
            c,
            organisation_id=UUID(w.organisation_id),
            contract_id=station(50),
            station_ids=[station(11)],
            source_seq=2,
        ),
    ),
]

WRONG_ROLES = {
    "hire": [HR, PARTY, TOWNSHIP],
    "pay": [HR, PARTY, TOWNSHIP],
    "contract": [HR, PARTY],
    "assign": [HR, TOWNSHIP],
    "insurance": [PARTY],
    "leave": [HR, TOWNSHIP],
    "training": [ADMIN, PARTY],
    "title": ["contractor", PARTY],
    "dispute": ["contractor", ADMIN],
    "party": [HR, ADMIN, "contractor"],
    "designate": [HR, "contractor"],
    "baseline": [HR, "contractor"],
    "register": [HR, "contractor", PARTY],
    "party_org": [ADMIN, "contractor"],
    "contract_feed": ["contractor", HR],
}


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (name, role if isinstance(role, str) else role.role)
        for name, _ in ROLE_REFUSALS
        for role in WRONG_ROLES[name]
    ],
)
def test_a_role_without_the_right_is_refused(name: str, role: str) -> None:
    w = make_world()
    command = dict(ROLE_REFUSALS)[name]
    ctx = (
        w.contractor
        if role == "contractor"
        else next(c for c in (ADMIN, HR, PARTY, TOWNSHIP) if c.role == role)
    )
    refused_command(w.app, Forbidden, lambda: command(w, ctx))


def test_a_contractor_records_the_in_house_training_of_its_own_workers() -> None:
    w = make_world()
    record = w.app.record_training(w.contractor, worker_id=UUID(w.worker_id), course="机构内训：个案记录", hours=8,
                                   completed_on=date(2021, 4, 1))
    assert (record["training_hours"], record["training_count"], record["training"]) == (8, 1, None)
    assert w.worker()["training"] == [{"course": "机构内训：个案记录", "hours": 8, "completed_on": "2021-04-01"}]


@pytest.mark.parametrize("name", ["pay", "contract", "assign", "insurance", "leave", "training"])
def test_a_contractor_cannot_manage_another_organisations_worker(name: str) -> None:
    w = make_world()
    ctx = other_contractor(w.app)
    refused_command(w.app, Forbidden, lambda: dict(ROLE_REFUSALS)[name](w, ctx))


def test_a_contractor_cannot_hire_into_another_organisation() -> None:
    w = make_world()
    ctx = other_contractor(w.app)
    refused_command(w.app, Forbidden, lambda: dict(ROLE_REFUSALS)["hire"](w, ctx))


def test_a_contractor_may_be_identified_by_its_credit_code() -> None:
    w = make_world()
    by_code = Context(actor="boss-1", role="contractor", organisation=credit_code(1))
    w.app.record_pay(
        by_code, worker_id=UUID(w.worker_id), period="2021-03", gross_fen=300000, paid_on=date(2021, 4, 1)
    )


# --- masking -----------------------------------------------------------------------------------


def test_a_worker_is_shown_with_id_number_and_phone_masked_by_default() -> None:
    w = make_world()
    record = w.worker()
    assert record["national_id_number"] == national_id(1)[:3] + "*" * 11 + national_id(1)[-4:]
    assert record["phone"] == "138****5678"
    assert record["name"] == "李娜"
    assert record["personal_data_revealed"] is False


@pytest.mark.parametrize("who", ["admin", "hr", "employer"])
def test_personal_data_is_revealed_to_roles_that_need_it(who: str) -> None:
    w = make_world()
    ctx = {"admin": ADMIN, "hr": HR, "employer": w.contractor}[who]
    record = w.app.get_worker(UUID(w.worker_id), reveal_personal_data=True, ctx=ctx)
    assert record["national_id_number"] == national_id(1)
    assert record["phone"] == PHONE
    assert record["personal_data_revealed"] is True


@pytest.mark.parametrize("who", ["party", "township", "other_contractor", "nobody"])
def test_personal_data_stays_masked_for_other_callers(who: str) -> None:
    w = make_world()
    ctx = {"party": PARTY, "township": TOWNSHIP, "nobody": None}.get(who) or other_contractor(w.app)
    record = w.app.get_worker(UUID(w.worker_id), reveal_personal_data=True, ctx=ctx)
    assert record["national_id_number"] != national_id(1)
    assert "*" in record["phone"]
    assert record["personal_data_revealed"] is False


def test_asking_not_to_reveal_masks_even_for_the_admin() -> None:
    w = make_world()
    assert "*" in w.app.get_worker(UUID(w.worker_id), reveal_personal_data=False, ctx=ADMIN)["phone"]


# --- plumbing ----------------------------------------------------------------------------------


def test_contract_feed_is_idempotent_on_source_seq() -> None:
    w = make_world()
    oid = UUID(w.organisation_id)
    before = w.app.recorder.max_notification_id()
    result = w.app.record_contract(
        RELAY,
        organisation_id=oid,
        contract_id=uuid5(NAMESPACE_URL, "c1"),
        station_ids=[station(1)],
        source_seq=1,
    )
    assert result["version"] == w.app.get_organisation(oid)["version"]  # the organisation, unchanged
    assert w.app.recorder.max_notification_id() == before
    assert len(w.app.get_organisation(oid)["stations"]) == 10
    w.app.record_contract_ended(
        RELAY, organisation_id=oid, contract_id=uuid5(NAMESPACE_URL, "c1"), source_seq=2
    )
    assert w.app.get_organisation(oid)["stations"] == []


def test_a_stale_version_is_refused() -> None:
    w = make_world()
    refused_command(
        w.app,
        StaleVersion,
        lambda: w.app.record_pay(
            w.contractor,
            worker_id=UUID(w.worker_id),
            period="2021-03",
            gross_fen=300000,
            paid_on=date(2021, 4, 1),
            expected_version=7,
        ),
    )


def test_a_retried_command_with_the_same_key_changes_nothing() -> None:
    w = make_world()
    first = w.app.record_pay(
        w.contractor,
        worker_id=UUID(w.worker_id),
        period="2021-03",
        gross_fen=300000,
        paid_on=date(2021, 4, 1),
        idempotency_key="k-1",
    )
    before = w.app.recorder.max_notification_id()
    again = w.app.record_pay(
        w.contractor,
        worker_id=UUID(w.worker_id),
        period="2021-03",
        gross_fen=300000,
        paid_on=date(2021, 4, 1),
        idempotency_key="k-1",
    )
    assert again == first
    assert w.app.recorder.max_notification_id() == before


def test_a_key_reused_for_the_same_command_on_another_worker_is_refused() -> None:
    w = make_world()
    other = w.app.hire_worker(w.contractor, employer_id=UUID(w.organisation_id), name="王芳",
                              national_id_number=national_id(2), phone="13812345679", hired_on=date(2021, 3, 1))
    pay = {"period": "2021-03", "gross_fen": 300000, "paid_on": date(2021, 4, 1), "idempotency_key": "k-2"}
    w.app.record_pay(w.contractor, worker_id=UUID(w.worker_id), **pay)
    error = refused_command(w.app, Invalid, lambda: w.app.record_pay(w.contractor, worker_id=UUID(other["id"]), **pay))
    assert error.field == "Idempotency-Key"
    assert w.app.get_worker(UUID(other["id"]))["pay"] == []


def test_a_hire_retried_with_the_same_key_but_another_person_is_refused() -> None:
    w = make_world()
    hire = {"employer_id": UUID(w.organisation_id), "name": "赵六", "hired_on": date(2021, 3, 1),
            "idempotency_key": "hire-1"}
    first = w.app.hire_worker(w.contractor, national_id_number=national_id(3), phone="13812340003", **hire)
    assert w.app.hire_worker(w.contractor, national_id_number=national_id(3), phone="13812340003", **hire) == first
    error = refused_command(w.app, Invalid, lambda: w.app.hire_worker(
        w.contractor, national_id_number=national_id(4), phone="13812340003", **hire))
    assert error.field == "Idempotency-Key"
    refused_command(w.app, Invalid, lambda: w.app.hire_worker(
        w.contractor, national_id_number=national_id(3), phone="13812340004", **hire))


def test_an_unknown_worker_is_not_found() -> None:
    w = make_world()
    refused_command(
        w.app,
        NotFound,
        lambda: w.app.record_pay(
            w.contractor, worker_id=station(1), period="2021-03", gross_fen=1, paid_on=date(2021, 4, 1)
        ),
    )


# --- baseline ----------------------------------------------------------------------------------


def test_the_baseline_is_entered_once_and_yearly_figures_follow_it() -> None:
    app = ByKeywords(Workforce())
    app.enter_baseline(ADMIN, county_code="522700", certified_social_workers=12, professionals=60)
    error = refused_command(
        app,
        RuleViolated,
        lambda: app.enter_baseline(
            ADMIN, county_code="522700", certified_social_workers=13, professionals=60
        ),
    )
    assert error.rule == "workforce.baseline.already_entered"
    error = refused_command(
        app,
        RuleViolated,
        lambda: app.record_yearly_figures(
            ADMIN, county_code="522700", year=2020, certified_social_workers=15, professionals=70
        ),
    )
    assert error.rule == "workforce.baseline.year_not_after_baseline"
    error = refused_command(
        app,
        Invalid,
        lambda: app.record_yearly_figures(
            ADMIN, county_code="522700", year=2021, certified_social_workers=-1, professionals=70
        ),
    )
    assert error.field == "certified_social_workers"
    error = refused_command(
        app,
        Invalid,
        lambda: app.correct_baseline(
            ADMIN, county_code="522700", certified_social_workers=14, professionals=60
        ),
    )
    assert error.field == "reason"
    app.record_yearly_figures(
        ADMIN, county_code="522700", year=2021, certified_social_workers=17, professionals=75
    )
    app.correct_baseline(ADMIN, county_code="522700", certified_social_workers=14, professionals=60,
                         reason="2020 年报更正")
    assert app.get_baseline("522700") == {
        "id": str(Workforce.baseline_id_for("522700")),
        "baseline_id": str(Workforce.baseline_id_for("522700")),
        "county_code": "522700",
        "year": 2020,
        "certified_social_workers": 14,
        "professionals": 60,
        "yearly": [{"year": 2021, "certified_social_workers": 17, "professionals": 75}],
        "version": 3,
    }


def test_a_worker_id_is_a_keyed_hash_that_does_not_reveal_the_id_number() -> None:
    number = national_id(1)
    default = Workforce().worker_id_for(number)
    keyed = Workforce(env={"WORKFORCE_IDENTITY_KEY": "county-secret"}).worker_id_for(number)
    assert default != keyed
    # Without a dedicated key, one is derived from (never equal to) the store's cipher key.
    assert identity_key(None, "c2VjcmV0") not in {b"c2VjcmV0", identity_key(None, None)}
    assert identity_key("dedicated", "c2VjcmV0") == b"dedicated"
    assert keyed == Workforce(env={"WORKFORCE_IDENTITY_KEY": "county-secret"}).worker_id_for(number.lower())
    assert number not in str(keyed)
