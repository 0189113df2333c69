"""Domain primitives shared by every service: the command context and domain errors.

Pure Python: no framework, no I/O. Aggregates raise these errors; one mapper in
``shared.http`` turns them into RFC 9457 problem responses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, NoReturn

COUNTY_TIME = timezone(timedelta(hours=8), "CST")  # a business date is a calendar day in China Standard Time


def county_today() -> date:
    """Today in China Standard Time: the default business date (of findings, rosters, generated history)."""
    return datetime.now(COUNTY_TIME).date()


class Role(StrEnum):
    """The departments and people of the plan (docs/domain.md §1)."""

    CIVIL_AFFAIRS_ADMIN = "civil_affairs_admin"
    FINANCE = "finance"
    HR_SOCIAL_SECURITY = "hr_social_security"
    PARTY_ORGANISATION = "party_organisation"
    TOWNSHIP = "township"
    CONTRACTOR = "contractor"
    SOCIAL_WORKER = "social_worker"
    SUPERVISOR = "supervisor"
    EVALUATOR = "evaluator"
    AUDITOR = "auditor"
    SYSTEM = "system"


@dataclass(frozen=True)
class Context:
    """Who acts, in which role, on whose behalf and why: recorded on every event."""

    actor: str
    role: str
    organisation: str = ""
    townships: tuple[str, ...] = ()
    correlation_id: str = ""
    causation_id: str = ""
    reason: str = ""
    traceparent: str = ""  # W3C trace context of the request, carried onto the events (CloudEvents distributed tracing)
    tracestate: str = ""  # its vendor-specific part, carried with it

    def has_role(self, *roles: Role) -> bool:
        """True if the actor acts in one of ``roles``."""
        return self.role in {r.value for r in roles}

    def require(self, *roles: Role) -> None:
        """Refuses the command unless the actor has one of ``roles``."""
        if not self.has_role(*roles):
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"role {self.role!r} may not do this; allowed: {allowed}")

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form, as stored with each event."""
        data = asdict(self)
        data["townships"] = list(self.townships)
        for name in ("traceparent", "tracestate"):
            if not data[name]:
                del data[name]  # events stored without a trace keep their stored form
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Context:
        """Rebuild a context from its stored form."""
        values = dict(data)
        values["townships"] = tuple(values.get("townships") or ())
        return cls(**values)


SYSTEM = Context(actor="system", role="system", organisation="county")


class DomainError(Exception):
    """A command was refused; ``status`` and ``title`` say how to report it."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class RuleViolated(DomainError):
    """A domain rule refuses the command in the aggregate's current state."""

    status = 409
    title = "Rule violated"

    def __init__(self, rule: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, rule=rule, **extra)
        self.rule = rule


class Invalid(DomainError):
    """The command's input breaks a rule about its own values."""

    status = 422
    title = "Invalid input"

    def __init__(self, field_name: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, errors=[{"field": field_name, "message": detail}], **extra)
        self.field = field_name


class NotFound(DomainError):
    """The named thing does not exist (or is not visible to the caller)."""

    status = 404
    title = "Not found"


class Forbidden(DomainError):
    """The caller's role or scope does not allow the command."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """Another writer changed the same thing at the same time."""

    status = 409
    title = "Conflict"


class PayloadTooLarge(DomainError):
    """The command would record more than the bus can carry or an auditor can read."""

    status = 413
    title = "Content too large"


class StaleVersion(DomainError):
    """The caller's ``If-Match`` version is no longer the current one."""

    status = 412
    title = "Precondition failed"


# --- the validation vocabulary every aggregate uses: each check raises Invalid naming its field ---


def text(field_name: str, value: Any) -> str:
    """A non-blank string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field_name, f"{field_name} must not be blank")
    return value.strip()


def texts(field_name: str, values: Any, allow_empty: bool = True) -> list[str]:
    """A list of non-blank strings."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise Invalid(field_name, f"{field_name} must be a list of texts")
    items = [text(field_name, v) for v in values]
    if not items and not allow_empty:
        raise Invalid(field_name, f"{field_name} must list at least one item")
    return items


def whole(field_name: str, value: Any, minimum: int | None = 0, maximum: int | None = None) -> int:
    """An integer (never a bool or float) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field_name, f"{field_name} must be a whole number")
    if minimum is not None and value < minimum:
        raise Invalid(field_name, f"{field_name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise Invalid(field_name, f"{field_name} must be at most {maximum}, not {value}")
    return value


def day(field_name: str, value: Any) -> date:
    """A calendar date."""
    if not isinstance(value, date):
        raise Invalid(field_name, f"{field_name} must be a date")
    return value


def choice(field_name: str, kind: type[StrEnum], value: Any) -> str:
    """One of an enum's values, as its string."""
    try:
        return kind(value).value
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise Invalid(field_name, f"{field_name} must be one of: {allowed}; not {value!r}") from None


def refuse(rule: str, detail: str) -> NoReturn:
    """Raises RuleViolated: a named rule refuses the command."""
    raise RuleViolated(rule=rule, detail=detail)
