"""Fixtures of the stations unit tests: the seeded application and stations at each stage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from services.stations.application import Stations
from services.stations.commands import (
    OpenStation,
    ProvideSite,
    RecordStaffing,
    SignContract,
)
from services.stations.seed import load_seed
from shared.domain import Context, DomainError, Invalid, RuleViolated

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-civil-affairs")
SYSTEM = Context(actor="workforce-consumer", role="system", organisation="county")
TOWNSHIP_T01 = Context(actor="t01-clerk", role="township", organisation="T01", townships=("T01",))
CONTRACTOR = Context(actor="org-1-manager", role="contractor", organisation="org-1")
OTHER_CONTRACTOR = Context(actor="org-2-manager", role="contractor", organisation="org-2")
EVALUATOR = Context(actor="eval-1", role="evaluator", organisation="eval-org")
WORKER = Context(actor="sw-7", role="social_worker", organisation="org-1")
AUDITOR = Context(actor="aud-1", role="auditor", organisation="audit")


@pytest.fixture
def app() -> Stations:
    """The stations application, in memory, with the seed county planned."""
    application = Stations()
    load_seed(application, ADMIN)
    return application


@pytest.fixture
def t01(app: Stations) -> UUID:
    """The station of township T01 (batch 1)."""
    return app.station_id_for("T01")


@pytest.fixture
def sited(app: Stations, t01: UUID) -> UUID:
    """T01's station with its site provided."""
    app.provide_site(
        TOWNSHIP_T01, t01, ProvideSite(
            office_area_m2=120.5,
            facilities=["desk", "computer"],
            on=date(2021, 3, 1),
        ),
    )
    return t01


def contract_terms(station_ids: list[UUID], number: str = "XXMZ-2021-001", **changes: Any) -> dict[str, Any]:
    """Valid terms of a contract with org-1 covering ``station_ids``."""
    terms: dict[str, Any] = {
        "contract_number": number,
        "organisation_id": "org-1",
        "organisation_name": "XX县阳光社会工作服务中心",
        "station_ids": station_ids,
        "period_start": date(2021, 4, 1),
        "period_end": date(2022, 3, 31),
        "amount_fen": 30_000_000,
        "supervision_fen": 3_000_000,
        "budget_year": 2021,
        "budget_line": "2080299 其他民政管理事务支出",
        "payment_schedule": [
            {"due_on": date(2021, 4, 15), "amount_fen": 15_000_000},
            {"due_on": date(2021, 10, 15), "amount_fen": 15_000_000},
        ],
        "signed_on": date(2021, 3, 20),
    }
    terms.update(changes)
    return terms


@pytest.fixture
def contract(app: Stations, sited: UUID) -> dict[str, Any]:
    """A signed contract with org-1 covering T01's station."""
    return app.sign_contract(ADMIN, SignContract(**contract_terms([sited])))


@pytest.fixture
def staffed(app: Stations, contract: dict[str, Any], t01: UUID) -> UUID:
    """T01's station with a contractor and two workers."""
    app.record_staffing(SYSTEM, t01, RecordStaffing(headcount=2, as_of=date(2021, 5, 1), source_seq=10))
    return t01


@pytest.fixture
def opened(app: Stations, staffed: UUID) -> UUID:
    """T01's station, open."""
    app.open_station(ADMIN, staffed, OpenStation(on=date(2021, 6, 1)))
    return staffed


def field_of(error: BaseException) -> str:
    """The field a refusal names: the domain's ``Invalid.field`` or the first field of a command's validation."""
    if isinstance(error, ValidationError):
        return str(error.errors()[0]["loc"][0])
    assert isinstance(error, Invalid), error
    return error.field


@pytest.fixture
def refused(app: Stations) -> Callable[..., Any]:
    """``with refused(ErrorClass, rule=...)``: the command fails that way and stores nothing."""

    @contextmanager
    def check(error: type[DomainError], rule: str | None = None, field: str | None = None) -> Iterator[None]:
        before = app.recorder.max_notification_id()
        # Bad input is refused where the command is built (the input boundary), or by the domain's own checks.
        errors = (Invalid, ValidationError) if error is Invalid else error
        with pytest.raises(errors) as caught:
            yield
        if rule is not None:
            assert isinstance(caught.value, RuleViolated)
            assert caught.value.rule == rule, caught.value.rule
        if field is not None:
            assert field_of(caught.value) == field
        assert app.recorder.max_notification_id() == before, "a refused command stored events"

    return check
