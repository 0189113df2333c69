"""The input boundary: field types every request body and query uses, declared once.

Everything a service accepts must be storable, publishable and canonicalisable for the audit ledger, so the
types here refuse, with a message naming the rule, what would break that chain later:

- **I-JSON numbers only** (RFC 7493): integers within ±(2^53−1), no NaN or Infinity, and no floats where the domain
  means integers. A JSON consumer (and the ledger's RFC 8785 canonical form) cannot carry more.
- **Strict types**: ``true`` or ``"100"`` is not a number, ``20210101`` is not a date. Dates are ISO ``YYYY-MM-DD``
  strings only.
- **Bounded sizes**: every string and list has a maximum length, so no accepted command can produce an event larger
  than the bus accepts (a last guard in ``shared.application`` refuses oversized events with 413 anyway).
- **Domain ranges**: money in fen, counts, populations, hours, areas and scores within what a county can mean; dates
  within the programme's window (settings ``date_min`` / ``date_max``), birth dates in the past.

No framework is imported here: the application layer may use these types in its typed commands.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StringConstraints

from shared.domain import county_today
from shared.settings import get_settings

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON consumer reads exactly (RFC 7493 §2.2)."""

MAX_FEN = 10**13
"""100 billion yuan in fen: above any county budget line, far below 2^53."""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _strict_iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` strings (or ``date`` objects from Python callers) are dates."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _within_programme_window(value: date) -> date:
    settings = get_settings()
    if not settings.date_min <= value <= settings.date_max:
        raise ValueError(f"must be between {settings.date_min} and {settings.date_max}")
    return value


def _not_in_future(value: date) -> date:
    if value > county_today():
        raise ValueError("must not be in the future")
    if value.year < 1900:
        raise ValueError("must not be before 1900")
    return value


def _finite_number(value: Any) -> Any:
    """A JSON number that is finite and not a boolean; integers within the I-JSON range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number (NaN and Infinity are not JSON)")
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"must be within ±{MAX_SAFE_INTEGER}")
    return float(value)


# --- integers ----------------------------------------------------------------------------------------------------

SafeInt = Annotated[StrictInt, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
"""Any integer a JSON consumer reads exactly."""

Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="an amount of money in fen (分), 100 fen = 1 元")]
"""Money: a non-negative whole number of fen."""

PositiveFen = Annotated[StrictInt, Field(gt=0, le=MAX_FEN, description="an amount of money in fen (分), above zero")]

Count = Annotated[StrictInt, Field(ge=0, le=1_000_000, description="a count of people or things")]

Population = Annotated[StrictInt, Field(ge=0, le=50_000_000, description="a number of residents")]

Year = Annotated[StrictInt, Field(ge=1990, le=2100, description="a calendar year")]

SequenceNumber = Annotated[StrictInt, Field(ge=1, le=MAX_SAFE_INTEGER, description="a source's event sequence")]

Minutes = Annotated[StrictInt, Field(ge=1, le=24 * 60, description="minutes, within one day")]

WholeHours = Annotated[StrictInt, Field(gt=0, le=10_000, description="a number of hours")]

# --- decimals ----------------------------------------------------------------------------------------------------

FiniteFloat = Annotated[float, BeforeValidator(_finite_number)]
"""A finite JSON number (integers accepted), never NaN or Infinity."""

Hours = Annotated[FiniteFloat, Field(gt=0, le=744, description="hours, at most a month's")]

Area = Annotated[FiniteFloat, Field(ge=0, le=1_000_000, description="square metres")]

Score = Annotated[FiniteFloat, Field(ge=0, le=100, description="a score out of 100")]

Share = Annotated[FiniteFloat, Field(ge=0, le=1, description="a share between 0 and 1")]

# --- dates -------------------------------------------------------------------------------------------------------

Day = Annotated[date, BeforeValidator(_strict_iso_date), AfterValidator(_within_programme_window)]
"""A date within the programme's window (settings ``date_min`` .. ``date_max``)."""

PastDay = Annotated[date, BeforeValidator(_strict_iso_date), AfterValidator(_not_in_future)]
"""A date of something that already happened (a birth, a certificate): 1900 up to today."""

# --- text --------------------------------------------------------------------------------------------------------

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
"""A short identifier chosen by people (township or village code): letters, digits, ``_`` and ``-``."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A person's, place's or organisation's name."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
"""A label, a reference or a short remark."""

Text = Annotated[str, StringConstraints(max_length=4_000)]
"""Notes, reasons, findings: a page of text at most."""

RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
"""Text that must be given (a reason, a finding)."""

Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{4,19}$")]

NationalId = Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]$"),
                       Field(description="居民身份证号码, 18 characters")]

CreditCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                       Field(description="统一社会信用代码, 18 characters")]

MAX_ITEMS = 200
"""The most items a list in one request may hold (villages of a township, stations of a contract, ...)."""


def items(min_length: int = 0, max_length: int = MAX_ITEMS) -> Any:
    """The ``Field`` of a bounded list: ``villages: Annotated[list[Village], items()]``."""
    return Field(min_length=min_length, max_length=max_length)
