"""Who may call each workforce route, over which scope (the role × scope matrix of shared.access).

The narrow scopes are checked against the record: a contractor's own organisation and its own workers
(``deps.readable_by``, ``employs``), a township's own townships' stations on the roster (``roster.own_station``, from
the stations events).
"""

from __future__ import annotations

from shared.access import ADMIN, AUDITOR, CONTRACTOR, EVERYONE, FINANCE, HR, PARTY, TOWNSHIP, Scope, Table, rule

COUNTY = rule(ADMIN, HR, PARTY, FINANCE, AUDITOR)
PAYROLL = rule(ADMIN, HR, FINANCE, AUDITOR, CONTRACTOR)
EMPLOYER = rule(ADMIN, CONTRACTOR)
ONLY_ADMIN, ONLY_HR, ONLY_PARTY = rule(ADMIN), rule(HR), rule(PARTY)
WORKER_COMMANDS = {
    "PUT /v1/workers/{worker_id}/phone": EMPLOYER,
    "POST /v1/workers/{worker_id}/education": EMPLOYER,
    "POST /v1/workers/{worker_id}/certificates": rule(ADMIN, CONTRACTOR, HR),
    "POST /v1/workers/{worker_id}/titles": ONLY_HR,
    "POST /v1/workers/{worker_id}/labour-contract": EMPLOYER,
    "POST /v1/workers/{worker_id}/labour-contract/renewal": EMPLOYER,
    "POST /v1/workers/{worker_id}/labour-contract/end": EMPLOYER,
    "POST /v1/workers/{worker_id}/assignment": EMPLOYER,
    "POST /v1/workers/{worker_id}/transfer": EMPLOYER,
    "POST /v1/workers/{worker_id}/unassignment": EMPLOYER,
    "POST /v1/workers/{worker_id}/pay": EMPLOYER,
    "POST /v1/workers/{worker_id}/insurance": EMPLOYER,
    "PUT /v1/workers/{worker_id}/personnel-file": EMPLOYER,
    "POST /v1/workers/{worker_id}/leaving": EMPLOYER,
    "POST /v1/workers/{worker_id}/training": rule(HR, CONTRACTOR),
    "PUT /v1/workers/{worker_id}/party-status": ONLY_PARTY,
    "POST /v1/workers/{worker_id}/disputes": ONLY_HR,
    "POST /v1/workers/{worker_id}/disputes/{dispute_id}/resolution": ONLY_HR,
}

ACCESS: Table = {
    "POST /v1/organisations": ONLY_ADMIN,
    "GET /v1/organisations": PAYROLL,
    "GET /v1/organisations/{organisation_id}": {role: Scope.ALL for role in EVERYONE},
    "GET /v1/organisations/{organisation_id}/payroll": PAYROLL,
    "POST /v1/organisations/{organisation_id}/county-registration": ONLY_ADMIN,
    "POST /v1/organisations/{organisation_id}/party-organisation": ONLY_PARTY,
    "POST /v1/organisations/{organisation_id}/contracts": ONLY_ADMIN,
    "POST /v1/organisations/{organisation_id}/contracts/{contract_id}/end": ONLY_ADMIN,
    "POST /v1/workers": EMPLOYER,
    "POST /v1/workers/lookup": rule(ADMIN, CONTRACTOR, HR),
    "GET /v1/workers/{worker_id}": rule(ADMIN, CONTRACTOR, HR, PARTY, AUDITOR),
    **WORKER_COMMANDS,
    "POST /v1/workers/{worker_id}/supervisor": ONLY_ADMIN,
    "GET /v1/supervisors": COUNTY,
    "GET /v1/supervisors/{supervisor_id}": COUNTY,
    "POST /v1/supervisors/{supervisor_id}/stations": ONLY_ADMIN,
    "POST /v1/supervisors/{supervisor_id}/stations/{station_id}/release": ONLY_ADMIN,
    "GET /v1/roster": rule(ADMIN, HR, PARTY, AUDITOR, CONTRACTOR, TOWNSHIP),
    "GET /v1/roster/stations": COUNTY,
    "POST /v1/baseline": ONLY_ADMIN,
    "GET /v1/baseline": COUNTY,
    "POST /v1/baseline/yearly-figures": ONLY_ADMIN,
    "POST /v1/baseline/correction": ONLY_ADMIN,
    "GET /v1/targets": COUNTY,
}
