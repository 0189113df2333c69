"""Stations application (社工站): commands and queries of the stations service.

Who may do what (roles are ``shared.domain.Role`` values; "own" scopes are checked here):

| command                                 | roles                          | scope               |
|-----------------------------------------|--------------------------------|---------------------|
| establish_county_plan                   | civil_affairs_admin            | -                   |
| add_township, amend_township_population | civil_affairs_admin            | -                   |
| add_village                             | civil_affairs_admin            | -                   |
| plan_station                            | civil_affairs_admin            | -                   |
| provide_site                            | township, civil_affairs_admin  | township: own only  |
| record_staffing                         | system, civil_affairs_admin    | stream consumer     |
| open/suspend/reopen/close_station       | civil_affairs_admin            | -                   |
| cover_village, end_village_coverage     | civil_affairs_admin            | -                   |
| sign/amend/terminate_contract, disburse | civil_affairs_admin            | -                   |
| submit_ledger, resubmit_ledger          | contractor                     | contract holder (1) |
| accept_ledger, return_ledger            | civil_affairs_admin            | -                   |
| publish_disclosure                      | contractor                     | contract holder (1) |
| record_evaluation                       | evaluator                      | -                   |
| close_rectification_item                | evaluator, civil_affairs_admin | -                   |
| report_misuse                           | any role except auditor        | -                   |
| resolve_misuse_report                   | civil_affairs_admin            | -                   |

"own only": the station's township must be in ``ctx.townships``. (1) ``ctx.organisation`` must equal
the ``organisation_id`` of the station's one active contract (for disclosures: of the named contract,
which must cover the named station). Anything else is refused with ``Forbidden`` (403).

Queries (``get_*``, ``*_id_for``) are open to every role; the API decides what each may read.
"""

from __future__ import annotations

from .base import as_id
from .contracts import ContractCommands
from .county_plan import CountyPlanCommands
from .ledgers import LedgerCommands
from .oversight import OversightCommands
from .stations import StationCommands
from .views import plain


class Stations(CountyPlanCommands, StationCommands, ContractCommands, LedgerCommands, OversightCommands):
    """The stations service: county plan, stations, contracts, ledgers, disclosures, evaluations, misuse."""


__all__ = ["Stations", "as_id", "plain"]
