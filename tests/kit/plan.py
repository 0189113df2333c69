"""The seed county's plan as the body of ``PUT /v1/county-plan``, and reading a successful answer."""

from __future__ import annotations

from typing import Any

import httpx

from services.stations.seed import BATCHES, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS

PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()
