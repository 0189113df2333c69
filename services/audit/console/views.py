"""What each page shows, gathered from the services' APIs as the signed-in user (the APIs decide what each role
sees: a part its role may not read is shown as such, never worked out here)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

from services.audit.console.api import Api, ApiError

PAGE = 500
MAX_PAGES = 20
PROGRAMME_START, PROGRAMME_END = date(2021, 1, 1), date(2023, 12, 31)


async def every_item(api: Api, service: str, path: str, paging: str = "offset", **query: Any) -> list[dict[str, Any]]:
    """Every item of a paged list (``next`` is the following ``offset``, or ``after`` for the ledger-like lists)."""
    items: list[dict[str, Any]] = []
    cursor: Any = 0
    for _ in range(MAX_PAGES):
        page = await api.get(service, path, limit=PAGE if paging == "offset" else 1000, **{paging: cursor}, **query)
        items.extend(page["items"])
        cursor = page.get("next")
        if cursor is None:
            break
    return items


async def attempt_all(api: Api, service: str, path: str, **query: Any) -> list[dict[str, Any]] | ApiError:
    """Every item of a list, or the refusal."""
    try:
        return await every_item(api, service, path, **query)
    except ApiError as exc:
        return exc


def quarter_ends(until: date) -> list[date]:
    """The programme's quarter ends up to ``until``, and ``until`` itself."""
    ends, year, quarter = [], PROGRAMME_START.year, 1
    while True:
        end = date(year, 3 * quarter, 1) + timedelta(days=31)
        end = end.replace(day=1) - timedelta(days=1)
        if end >= until or end > PROGRAMME_END:
            break
        ends.append(end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return [*ends, until]


async def progress_series(api: Api, as_of: date) -> list[dict[str, Any]]:
    """The county's status at each quarter's end up to ``as_of``: opened per batch, and the batches' targets."""
    days = quarter_ends(max(as_of, PROGRAMME_START))
    answers = await asyncio.gather(*(api.attempt("stations", "/v1/county-status", as_of=d.isoformat()) for d in days))
    return [{"day": d, "opened": a["opened"], "batches": a["batches"]}
            for d, a in zip(days, answers, strict=True) if not isinstance(a, ApiError)]


async def latest_checkpoint(api: Api) -> dict[str, Any] | ApiError | None:
    """The latest signed checkpoint (None before the first), or the refusal."""
    found = await attempt_all(api, "audit", "/v1/checkpoints", paging="after")
    if isinstance(found, ApiError):
        return found
    return found[-1] if found else None


async def recent_events(api: Api, head: int, count: int = 12) -> list[dict[str, Any]] | ApiError:
    """The latest ``count`` ledger entries, newest first."""
    page = await api.attempt("audit", "/v1/ledger", after=max(head - count, 0), limit=count)
    return page if isinstance(page, ApiError) else list(reversed(page["items"]))


def findings_by_rule(findings: list[dict[str, Any]] | ApiError) -> list[tuple[str, int]] | ApiError:
    """How many findings each rule has, most first."""
    if isinstance(findings, ApiError):
        return findings
    return Counter(f["rule"] for f in findings).most_common()


async def dashboard(api: Api, as_of: date, head: int) -> dict[str, Any]:
    """Everything the dashboard shows, as of ``as_of`` (the station table: now)."""
    day = as_of.isoformat()
    county, stations, targets, findings, checkpoint, events, series = await asyncio.gather(
        api.attempt("stations", "/v1/county-status", as_of=day),
        attempt_all(api, "stations", "/v1/station-status"),
        api.attempt("workforce", "/v1/targets", as_of=day),
        attempt_all(api, "audit", "/v1/findings", open="true", as_of=day),
        latest_checkpoint(api),
        recent_events(api, head),
        progress_series(api, as_of),
    )
    return {"county": county, "stations": stations, "targets": targets, "by_rule": findings_by_rule(findings),
            "checkpoint": checkpoint, "events": events, "series": series}


async def station(api: Api, station_id: str) -> dict[str, Any]:
    """A station's page: its status and history, contract, staff, ledgers and findings."""
    status = await api.get("stations", f"/v1/station-status/{station_id}")
    contract, ledgers, findings = await asyncio.gather(
        api.attempt("stations", f"/v1/contracts/{status['contract_id']}") if status.get("contract_id") else _none(),
        attempt_all(api, "stations", "/v1/ledgers", station_id=station_id),
        attempt_all(api, "audit", "/v1/findings"),
    )
    if not isinstance(findings, ApiError):
        findings = [f for f in findings if station_id in (f["subject"], f.get("station_id"))]
    return {"station": status, "contract": contract, "ledgers": ledgers, "findings": findings}


async def _none() -> None:
    return None


async def todo(api: Api) -> dict[str, Any]:
    """A township's, contractor's, supervisor's or social worker's stations, with what is due, the findings to rectify
    and the cases."""
    stations, findings, cases = await asyncio.gather(attempt_all(api, "stations", "/v1/station-status"),
                                                     attempt_all(api, "audit", "/v1/findings", open="true"),
                                                     attempt_all(api, "casework", "/v1/cases"))
    return {"stations": stations, "findings": findings, "cases": cases}


async def ledger(api: Api, after: int, type_prefix: str | None, as_of: str | None) -> dict[str, Any] | ApiError:
    """One page of the audit ledger."""
    return await api.attempt("audit", "/v1/ledger", after=after, limit=50, type_prefix=type_prefix, as_of=as_of)


async def finance(api: Api) -> dict[str, Any]:
    """The contracts and disbursements the finance bureau reads."""
    contracts, disbursements = await asyncio.gather(api.attempt("audit", "/v1/finance/contracts"),
                                                    api.attempt("audit", "/v1/finance/disbursements"))
    return {"contracts": contracts, "disbursements": disbursements}
