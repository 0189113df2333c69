"""Who may call each stations route, over which scope (the role × scope matrix of shared.access).

The narrow scopes are checked against the record: a township's own stations and misuse reports (``deps.scope``,
``provide_site``), a contractor's own contracts, ledgers and disclosures, a reporter's own misuse report.
"""

from __future__ import annotations

from shared.access import (
    ADMIN,
    AUDITOR,
    CONTRACTOR,
    EVALUATOR,
    EVERYONE,
    FINANCE,
    PUBLIC,
    TOWNSHIP,
    Scope,
    Table,
    rule,
)

READ_ALL = {role: Scope.ALL for role in EVERYONE}
CONTRACTS = rule(ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR)
LEDGERS = rule(ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR, TOWNSHIP)
ONLY_ADMIN = rule(ADMIN)
OTHERS = [r for r in EVERYONE if r not in (ADMIN, AUDITOR, TOWNSHIP)]

ACCESS: Table = {
    "GET /v1/county-plan": READ_ALL,
    "PUT /v1/county-plan": ONLY_ADMIN,
    "POST /v1/county-plan/townships": ONLY_ADMIN,
    "POST /v1/county-plan/townships/{township_code}/population": ONLY_ADMIN,
    "POST /v1/county-plan/townships/{township_code}/villages": ONLY_ADMIN,
    "GET /v1/county-status": READ_ALL,
    "POST /v1/stations": ONLY_ADMIN,
    "GET /v1/stations/{station_id}": rule(*EVERYONE, social_worker=Scope.ALL, supervisor=Scope.ALL),
    "PUT /v1/stations/{station_id}/site": rule(ADMIN, TOWNSHIP),
    "POST /v1/stations/{station_id}/staffing": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/opening": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/suspension": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/reopening": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/closure": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/villages": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/villages/{village_code}/end": ONLY_ADMIN,
    "GET /v1/station-status": rule(*EVERYONE, social_worker=Scope.ALL, supervisor=Scope.ALL),
    "GET /v1/station-status/{station_id}": rule(*EVERYONE, social_worker=Scope.ALL, supervisor=Scope.ALL),
    "POST /v1/contracts": ONLY_ADMIN,
    "GET /v1/contracts": CONTRACTS,
    "GET /v1/contracts/{contract_id}": CONTRACTS,
    "POST /v1/contracts/{contract_id}/amendments": ONLY_ADMIN,
    "POST /v1/contracts/{contract_id}/disbursements": ONLY_ADMIN,
    "POST /v1/contracts/{contract_id}/termination": ONLY_ADMIN,
    "POST /v1/stations/{station_id}/ledgers": rule(CONTRACTOR),
    "GET /v1/ledgers": LEDGERS,
    "GET /v1/ledgers/{ledger_id}": LEDGERS,
    "POST /v1/ledgers/{ledger_id}/acceptance": ONLY_ADMIN,
    "POST /v1/ledgers/{ledger_id}/return": ONLY_ADMIN,
    "POST /v1/ledgers/{ledger_id}/resubmission": rule(CONTRACTOR),
    "POST /v1/disclosures": rule(CONTRACTOR),
    "GET /v1/disclosures": PUBLIC,
    "GET /v1/disclosures/{disclosure_id}": PUBLIC,
    "POST /v1/evaluations": rule(EVALUATOR),
    "GET /v1/evaluations": READ_ALL,
    "GET /v1/evaluations/{evaluation_id}": READ_ALL,
    "POST /v1/evaluations/{evaluation_id}/items/{item_id}/closure": rule(EVALUATOR, ADMIN),
    "POST /v1/misuse-reports": rule(*(r for r in EVERYONE if r is not AUDITOR), **{r.value: Scope.ALL for r in OTHERS}),
    "GET /v1/misuse-reports": rule(ADMIN, AUDITOR, TOWNSHIP),
    "GET /v1/misuse-reports/{report_id}": rule(*EVERYONE, **{r.value: Scope.OWN_RECORD for r in OTHERS}),
    "POST /v1/misuse-reports/{report_id}/resolution": ONLY_ADMIN,
}
