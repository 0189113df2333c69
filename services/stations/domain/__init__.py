"""Stations domain (社工站): the county plan, stations, service contracts, ledgers and oversight.

Pure Python on top of ``eventsourcing``: aggregates check their rules in ``check_*`` methods and raise
``shared.domain`` errors; event attributes are plain values (str, int, date, dict, list, Context) so that every
event can be stored as JSON and published. One module per aggregate; this package re-exports them, so events
stored under the topics of the single module it replaced (``services.stations.domain:Station.Opened``) still load.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from .common import (
    NAMESPACE,
    PRE_OPENING,
    ContractStatus,
    DisclosureKind,
    LedgerStatus,
    MisuseStatus,
    Policy,
    StationStatus,
    TownshipKind,
    VillageKind,
    quarter_end,
)
from .county_plan import CountyPlan
from .ledger import QuarterlyLedger, ledger_figures
from .oversight import ExternalEvaluation, MisuseReport, PublicDisclosure
from .service_contract import ServiceContract
from .station import Station, stage_of

ALL_AGGREGATES: tuple[type[Aggregate], ...] = (
    CountyPlan,
    Station,
    ServiceContract,
    QuarterlyLedger,
    PublicDisclosure,
    ExternalEvaluation,
    MisuseReport,
)

__all__ = [
    "ALL_AGGREGATES", "NAMESPACE", "PRE_OPENING", "ContractStatus", "CountyPlan", "DisclosureKind",
    "ExternalEvaluation", "LedgerStatus", "MisuseReport", "MisuseStatus", "Policy", "PublicDisclosure",
    "QuarterlyLedger", "ServiceContract", "Station", "StationStatus", "TownshipKind", "VillageKind",
    "ledger_figures", "quarter_end", "stage_of",
]
