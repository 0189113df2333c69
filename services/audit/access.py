"""Who may call each audit route, over which scope (the role × scope matrix of shared.access).

The ledger, its proofs, the finance views and the history are read by the county's oversight (civil affairs, finance,
auditors) in full; a township reads the findings about its own townships (``findings_api``).
"""

from __future__ import annotations

from shared.access import ADMIN, AUDITOR, FINANCE, TOWNSHIP, Table, rule

OVERSIGHT = rule(ADMIN, FINANCE, AUDITOR)
FINDINGS = rule(ADMIN, FINANCE, AUDITOR, TOWNSHIP)
EXPORTS = ("contracts", "disbursements", "ledger", "payroll", "roster", "social-insurance")

ACCESS: Table = {
    "GET /v1/ledger": OVERSIGHT,
    "GET /v1/ledger/verify": OVERSIGHT,
    "GET /v1/ledger/{position}/proof": OVERSIGHT,
    "GET /v1/checkpoints": OVERSIGHT,
    "POST /v1/checkpoints": rule(ADMIN, AUDITOR),
    "GET /v1/checkpoints/key": OVERSIGHT,
    "GET /v1/checkpoints/consistency": OVERSIGHT,
    "GET /v1/checkpoints/{size}": OVERSIGHT,
    "GET /v1/findings": FINDINGS,
    "GET /v1/findings/{finding_id}": FINDINGS,
    "POST /v1/findings/evaluation": rule(ADMIN, AUDITOR),
    "GET /v1/finance/budget": OVERSIGHT,
    "GET /v1/finance/contracts": OVERSIGHT,
    "GET /v1/finance/disbursements": OVERSIGHT,
    "GET /v1/finance/payroll": OVERSIGHT,
    "GET /v1/finance/supervision": OVERSIGHT,
    "GET /v1/history/plan-progress": OVERSIGHT,
    "GET /v1/history/targets": OVERSIGHT,
    "GET /v1/history/contracts/{contract_id}": OVERSIGHT,
    "GET /v1/history/stations/{station_id}": OVERSIGHT,
    "GET /v1/history/workers/{worker_id}": OVERSIGHT,
    **{f"GET /v1/exports/{name}.{kind}": OVERSIGHT for name in EXPORTS for kind in ("csv", "xlsx")},
    **{f"GET /v1/exports/findings.{kind}": FINDINGS for kind in ("csv", "xlsx")},
}
