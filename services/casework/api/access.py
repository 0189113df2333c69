"""Who may call each casework route, over which scope (the role × scope matrix of shared.access).

The narrow scopes are checked against the record: a writer acts only for the stations it serves on the day
(``Casework.check_station``: a contractor its contracted stations, a social worker its own station), personal data is
read only by those serving the beneficiary's station, a township reads its own township's facts one by one.
"""

from __future__ import annotations

from shared.access import (
    ADMIN,
    AUDITOR,
    CONTRACTOR,
    EVALUATOR,
    FINANCE,
    SUPERVISOR,
    TOWNSHIP,
    WORKER,
    Scope,
    Table,
    rule,
)

WRITERS = rule(ADMIN, CONTRACTOR, WORKER)
FACTS = {**{r: Scope.ALL for r in (ADMIN, CONTRACTOR, WORKER, SUPERVISOR, AUDITOR, EVALUATOR, FINANCE)},
         TOWNSHIP: Scope.OWN_TOWNSHIP}
LISTS = {r: s for r, s in FACTS.items() if r is not TOWNSHIP}
ONLY_ADMIN = rule(ADMIN)

ACCESS: Table = {
    "POST /v1/beneficiaries": WRITERS,
    "GET /v1/beneficiaries": FACTS,
    "GET /v1/beneficiaries/{beneficiary_id}": FACTS,
    "GET /v1/beneficiaries/{beneficiary_id}/personal-data": WRITERS,
    "PUT /v1/beneficiaries/{beneficiary_id}/personal-data": WRITERS,
    "PUT /v1/beneficiaries/{beneficiary_id}/target-groups": WRITERS,
    "POST /v1/beneficiaries/{beneficiary_id}/merge": WRITERS,
    "POST /v1/beneficiaries/{beneficiary_id}/erasure": ONLY_ADMIN,
    "GET /v1/personal-data-reads": rule(ADMIN, AUDITOR),
    "GET /v1/casework-statistics": LISTS,
    "POST /v1/cases": WRITERS,
    "GET /v1/cases": LISTS,
    "GET /v1/cases/{case_id}": FACTS,
    "GET /v1/cases/{case_id}/notes": WRITERS,
    "POST /v1/cases/{case_id}/assessments": WRITERS,
    "PUT /v1/cases/{case_id}/plan": WRITERS,
    "POST /v1/cases/{case_id}/services": WRITERS,
    "POST /v1/cases/{case_id}/reviews": WRITERS,
    "POST /v1/cases/{case_id}/closure": WRITERS,
    "POST /v1/cases/{case_id}/reopening": WRITERS,
    "POST /v1/cases/{case_id}/transfer": WRITERS,
    "POST /v1/activities": WRITERS,
    "GET /v1/activities/{activity_id}": FACTS,
    "POST /v1/activities/{activity_id}/outcome": WRITERS,
    "POST /v1/community-organisations": WRITERS,
    "GET /v1/community-organisations/{organisation_id}": FACTS,
    "POST /v1/supervision-sessions": rule(SUPERVISOR, ADMIN),
    "GET /v1/supervision-sessions/{session_id}": FACTS,
    "GET /v1/supervision-coverage": FACTS,
    "POST /v1/surveys": WRITERS,
    "GET /v1/surveys/{survey_id}": FACTS,
    "POST /v1/verifications": ONLY_ADMIN,
    "GET /v1/verifications/{task_id}": FACTS,
    "POST /v1/verifications/{task_id}/completion": WRITERS,
    "POST /v1/village-points/awards": WRITERS,
    "POST /v1/village-points/redemptions": WRITERS,
    "GET /v1/village-points/{station_id}/{village_code}": FACTS,
}
