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
from services.stations.commands import OpenStation, ProvideSite, RecordStaffing, SignContract
from services.stations.seed import load_seed
from shared.domain import DomainError, Invalid, RuleViolated
from tests.kit.actors import ADMIN, SYSTEM, TOWNSHIP_T01
from tests.kit.problems import field_of
from tests.unit.stations.terms import contract_terms


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
