"""What every stations aggregate shares: the plan's policy figures, the vocabularies (enums), input checks and ids.

Input checks take the field's name first, as ``shared.domain.Invalid`` does: ``choice("kind", DisclosureKind, v)``.

Its policy figures are those of ``docs/domain.md`` §16; their values come from ``Settings``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:stations")


@dataclass(frozen=True)
class Policy:
    """Policy figures of the plan used by the stations service; their values come from ``Settings`` only."""

    minimum_staffing: int  # workers a station needs before it may open
    ledger_due_days: int  # days after a quarter ends by which its ledger (台账) is due
    score_minimum: int = 0  # the range of an external evaluation's score, not a policy choice
    score_maximum: int = 100


class TownshipKind(StrEnum):
    """镇 (town) or 乡 (township)."""

    TOWN = "town"
    TOWNSHIP = "township"


class VillageKind(StrEnum):
    """村 (village) or 社区 (community)."""

    VILLAGE = "village"
    COMMUNITY = "community"


class StationStatus(StrEnum):
    """Where a station is in its lifecycle."""

    PLANNED = "planned"
    SITE_PROVIDED = "site_provided"
    CONTRACTOR_ASSIGNED = "contractor_assigned"
    STAFFED = "staffed"
    OPENED = "opened"
    SUSPENDED = "suspended"
    CLOSED = "closed"


PRE_OPENING = (
    StationStatus.PLANNED,
    StationStatus.SITE_PROVIDED,
    StationStatus.CONTRACTOR_ASSIGNED,
    StationStatus.STAFFED,
)


class ContractStatus(StrEnum):
    """A service contract is active once signed, until terminated."""

    SIGNED = "signed"
    TERMINATED = "terminated"


class LedgerStatus(StrEnum):
    """A quarterly ledger's review state."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class DisclosureKind(StrEnum):
    """What a contractor discloses to the public (信息公开)."""

    QUALIFICATIONS = "qualifications"
    PROJECT_EXPERIENCE = "project_experience"
    PROJECT_FACTS = "project_facts"
    ANNUAL_FINANCIAL_REPORT = "annual_financial_report"
    PROGRESS = "progress"


class MisuseStatus(StrEnum):
    """An open misuse report must be resolved."""

    OPEN = "open"
    RESOLVED = "resolved"


# --- input checks -------------------------------------------------------------------------------


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a calendar quarter."""
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])
