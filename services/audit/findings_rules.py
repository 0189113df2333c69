"""Compliance findings (docs/domain.md §13), computed from the folded facts as of a business date (pure).

The clock is a **business date** (``as_of``): a rule whose breach is the passing of time — a batch
deadline, a ledger's due date, a month without pay or supervision — is judged against it, and each
finding's ``since`` and ``resolved_on`` are business dates taken from the events' own dates (``paid_on``,
``submitted_on``, ...), never from when the events were recorded. So the same ledger and the same
``as_of`` give the same findings, whenever they are computed. A finding whose resolving fact is dated
after ``as_of`` is shown open; one that begins after ``as_of`` is not shown.

Each finding cites the ledger positions of the entries it rests on: the obligation (the contract
signing, the hiring, the posting, the supervision assignment) and, once resolved, the entry that
resolved it. Settings give every parameter (``shared/settings.py``).

"Activity without professional content": the casework service refuses an activity without a goal or a
method (``casework.activity.no_professional_content``), so no event should ever show one; the rule still
checks every recorded activity, so one recorded before that check, or by another writer, is named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from services.audit.facts import Facts, Station, Worker
from shared.settings import Settings

FINDING_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:audit:finding")
INSURANCE_ITEMS = ("pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund")
PLAN_START, TARGET_END = date(2021, 1, 1), date(2023, 12, 31)
RULES = ("station_behind_schedule", "station_understaffed", "supervision_missing", "supervision_short",
         "supervisor_over_maximum", "supervisor_below_minimum", "labour_contract_missing", "pay_missed",
         "pay_below_minimum", "insurance_missing", "ledger_overdue", "misuse_open", "activity_without_content",
         "workforce_target_at_risk")


@dataclass(frozen=True)
class Finding:
    """One breach of a rule by a subject, over a period of business dates."""

    rule: str
    subject: str
    period: str  # what within the subject: a month, a quarter, an item, or the date it began
    since: date
    positions: tuple[int, ...]
    detail: str
    township: str = ""
    severity: str = "breach"
    resolved_on: date | None = None

    @property
    def id(self) -> UUID:
        """Stable across evaluations: the same breach is the same finding."""
        return uuid5(FINDING_NAMESPACE, f"{self.rule}|{self.subject}|{self.period}")

    @property
    def open(self) -> bool:
        """Not resolved (as of the evaluation's date)."""
        return self.resolved_on is None


def evaluate(facts: Facts, as_of: date, settings: Settings) -> list[Finding]:
    """Every finding as of ``as_of``: those begun by then, open unless resolved by then."""
    found = [*_stations(facts, as_of), *_supervision(facts, as_of, settings), *_workers(facts, as_of, settings),
             *_ledgers(facts, as_of, settings), *_misuse(facts), *_activities(facts),
             *_targets(facts, as_of, settings)]
    shown = []
    for f in found:
        if f.since > as_of:
            continue
        if f.resolved_on is not None and f.resolved_on > as_of:
            f = Finding(f.rule, f.subject, f.period, f.since, _unresolved(f.positions), f.detail, f.township,
                        f.severity)
        shown.append(f)
    return sorted(shown, key=lambda f: (f.since, f.rule, f.subject, f.period))


def _unresolved(positions: tuple[int, ...]) -> tuple[int, ...]:
    return positions[:-1] if len(positions) > 1 else positions  # the resolving entry is always cited last


def month_of(on: date) -> str:
    """YYYY-MM."""
    return f"{on.year:04d}-{on.month:02d}"


def months(first: date, until: date) -> list[tuple[date, date]]:
    """(first day, last day) of each month from ``first``'s month whose last day is before ``until``."""
    out, start = [], first.replace(day=1)
    while True:
        nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = nxt - timedelta(days=1)
        if last >= until:
            return out
        out.append((start, last))
        start = nxt


def _stations(facts: Facts, as_of: date) -> list[Finding]:
    out = []
    for s in facts.stations.values():
        if s.deadline is not None and s.planned_at and s.status != "closed":
            opened_in_time = s.opened_on is not None and s.opened_on <= s.deadline
            if not opened_in_time:
                resolved = s.opened_on
                out.append(Finding("station_behind_schedule", s.id, "", s.deadline + timedelta(days=1),
                                   (s.planned_at, *((s.opened_at,) if resolved else ())),
                                   f"batch deadline {s.deadline} passed with the station not opened", s.township,
                                   resolved_on=resolved))
        out += _understaffed(s)
    return out


def _understaffed(s: Station) -> list[Finding]:
    """Each stretch the station operated with fewer workers than its minimum, in business-date order."""
    out: list[Finding] = []
    operating, headcount, status_at, staffing_at = False, None, 0, 0
    begun: tuple | None = None
    for on, position, what, count in sorted(s.timeline, key=lambda t: (t[0], t[1])):
        if what == "staffing":
            headcount, staffing_at = count, position
        else:
            operating, status_at = what == "opened", position
        short = operating and headcount is not None and headcount < s.minimum
        if short and begun is None:
            begun = (on, (status_at, staffing_at), headcount)
        elif not short and begun is not None:
            out.append(_short_staffed(s, begun, on, position))
            begun = None
    if begun is not None:
        out.append(_short_staffed(s, begun, None, 0))
    return out


def _short_staffed(s: Station, begun: tuple, until: date | None, position: int) -> Finding:
    (since, cited, headcount) = begun
    return Finding("station_understaffed", s.id, str(since), since, (*cited, *((position,) if until else ())),
                   f"operating with {headcount} worker(s), fewer than the minimum {s.minimum}", s.township,
                   resolved_on=until)


def _township(facts: Facts, station: str | None) -> str:
    found = facts.stations.get(station or "")
    return found.township if found else ""


def _supervision(facts: Facts, as_of: date, settings: Settings) -> list[Finding]:
    """A month a station was supervised (a supervisor assigned for part of it) without any session; short sessions."""
    out = []
    held: dict[tuple[str, str], list[int]] = {}
    for station, on, hours, _who, pos in facts.sessions:
        held.setdefault((station, month_of(on)), []).append(pos)
        if hours < settings.supervision_min_hours:
            out.append(Finding("supervision_short", station, f"{on}:{pos}", on, (pos,),
                               f"a {hours:g}-hour session, under the minimum {settings.supervision_min_hours:g}",
                               _township(facts, station)))
    for sup in facts.workers.values():
        for station, start, end, pos in sup.supervised:
            for first, last in months(start, as_of):
                if end is not None and end <= first:
                    break
                month = month_of(first)
                if (station, month) in held:
                    continue
                out.append(Finding("supervision_missing", station, month, last + timedelta(days=1), (pos,),
                                   f"no supervision session in {month}", _township(facts, station)))
    out += _supervisor_loads(facts, settings)
    return _unique(out)


def _supervisor_loads(facts: Facts, settings: Settings) -> list[Finding]:
    """Each stretch a supervisor supervised more than the maximum, or fewer than the minimum (a warning), of stations,
    judged at the end of each day its load changed, from its designation until it left."""
    out = []
    for sup in facts.workers.values():
        if not sup.supervisor_at:
            continue
        days: dict[date, list[tuple[int, int]]] = {}
        for on, delta, position in sup.load:
            if sup.left_on is None or on < sup.left_on:
                days.setdefault(on, []).append((delta, position))
        count, begun = 0, None
        for on in sorted(days):
            count += sum(delta for delta, _ in days[on])
            rule = ("supervisor_over_maximum" if count > settings.supervisor_max_stations else
                    "supervisor_below_minimum" if count < settings.supervisor_min_stations else None)
            if begun is not None and begun[0] != rule:
                out.append(_load_finding(sup.id, begun, settings, on, days[on][-1][1]))
                begun = None
            if rule is not None and begun is None:
                begun = (rule, on, tuple(dict.fromkeys((sup.supervisor_at, days[on][-1][1]))), count)
        if begun is not None:
            out.append(_load_finding(sup.id, begun, settings, sup.left_on, sup.left_at))
    return out


def _load_finding(supervisor: str, begun: tuple, settings: Settings, until: date | None, position: int) -> Finding:
    rule, since, cited, count = begun
    bound = (f"above the maximum {settings.supervisor_max_stations}" if rule == "supervisor_over_maximum"
             else f"fewer than the minimum {settings.supervisor_min_stations}")
    return Finding(rule, supervisor, str(since), since, (*cited, *((position,) if until else ())),
                   f"supervised {count} station(s), {bound}", severity="breach" if "over" in rule else "warning",
                   resolved_on=until)


def _unique(found: list[Finding]) -> list[Finding]:
    seen: dict[UUID, Finding] = {}
    for f in found:
        seen.setdefault(f.id, f)
    return list(seen.values())


def _in_force(x: Worker, on: date) -> list[int] | None:
    for start, end, *positions in x.contracts:
        if start <= on and (end is None or on <= end):
            return positions
    return None


def _workers(facts: Facts, as_of: date, settings: Settings) -> list[Finding]:
    out = []
    for x in facts.workers.values():
        out += _labour_contract(facts, x, as_of)
        out += _pay(facts, x, as_of, settings)
        out += _insurance(facts, x, settings)
    return out


def _labour_contract(facts: Facts, x: Worker, as_of: date) -> list[Finding]:
    """Each stretch of a posting without a labour contract in force: from the posting, or from a contract's end."""
    out = []
    for station, start, end, pos in x.postings:
        on, cited = start, pos
        while on <= min(end or as_of, as_of) and (end is None or on < end):
            current = _in_force(x, on)
            if current is not None:
                if _ends(x, on) is None:
                    break
                on, cited = _ends(x, on) + timedelta(days=1), current[-1]  # type: ignore[operator]
                continue  # the expiry (its signing or renewal) or the ending is cited
            later = next(((s, p) for s, _e, p, *_ in sorted(x.contracts, key=lambda r: r[0])
                          if s > on and (end is None or s < end)), None)
            out.append(Finding("labour_contract_missing", x.id, str(on), on,
                               tuple(dict.fromkeys((pos, cited, *((later[1],) if later else ())))),
                               f"posted to a station on {on} without a labour contract in force",
                               _township(facts, station), resolved_on=later[0] if later else None))
            if later is None:
                break
            on, cited = later[0], later[1]
    return out


def _ends(x: Worker, on: date) -> date | None:
    return next((e for s, e, *_ in x.contracts if s <= on and (e is None or on <= e)), None)


def _pay(facts: Facts, x: Worker, as_of: date, settings: Settings) -> list[Finding]:
    out, grace = [], timedelta(days=settings.audit_pay_grace_days)
    township = _township(facts, x.station_on(as_of))
    for first, last in months(x.hired_on, as_of - grace):
        if x.left_on is not None and x.left_on < first:
            break
        month, due = month_of(first), last + grace
        paid = x.pay.get(month)
        if paid is None or paid.paid_on > due:
            out.append(Finding("pay_missed", x.id, month, due + timedelta(days=1),
                               (x.hired_at, *((paid.position,) if paid else ())),
                               f"{month} not paid by {due}", township, resolved_on=paid.paid_on if paid else None))
    for pay in x.pay.values():
        if pay.gross_fen < settings.minimum_wage_fen:
            out.append(Finding("pay_below_minimum", x.id, pay.period, pay.paid_on, (pay.position,),
                               f"{pay.period} paid {pay.gross_fen} fen, below the minimum wage "
                               f"{settings.minimum_wage_fen} fen", township))
    return out


def _insurance(facts: Facts, x: Worker, settings: Settings) -> list[Finding]:
    out, due = [], x.hired_on + timedelta(days=settings.audit_insurance_grace_days)
    township = _township(facts, x.postings[-1][0] if x.postings else None)
    for item in INSURANCE_ITEMS:
        enrolled = x.insurance.get(item)
        if enrolled is not None and enrolled[0] <= due:
            continue
        if x.left_on is not None and x.left_on <= due:
            continue
        out.append(Finding("insurance_missing", x.id, item, due + timedelta(days=1),
                           (x.hired_at, *((enrolled[1],) if enrolled else ())),
                           f"not enrolled in {item} (五险一金) by {due}", township,
                           resolved_on=enrolled[0] if enrolled else None))
    return out


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter."""
    return (date(year, 3 * quarter, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _ledgers(facts: Facts, as_of: date, settings: Settings) -> list[Finding]:
    """Each quarter a station's contract covered (in part), not submitted by its due date."""
    out = []
    for contract in facts.contracts.values():
        ends = min(contract.period_end, contract.terminated_on or contract.period_end)
        year, quarter = contract.period_start.year, (contract.period_start.month - 1) // 3 + 1
        while date(year, 3 * quarter - 2, 1) <= ends:
            due = quarter_end(year, quarter) + timedelta(days=settings.ledger_due_days)
            if due >= as_of:
                break
            for station in contract.station_ids:
                out += _ledger_due(facts, contract.positions[0], station, year, quarter, due)
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return _unique(out)


def _ledger_due(facts: Facts, signed_at: int, station: str, year: int, quarter: int, due: date) -> list[Finding]:
    submitted = facts.ledgers.get((station, year, quarter))
    if submitted is not None and submitted[0] <= due:
        return []
    return [Finding("ledger_overdue", station, f"{year}-Q{quarter}", due + timedelta(days=1),
                    (signed_at, *((submitted[1],) if submitted else ())),
                    f"the {year} Q{quarter} ledger was not submitted by its due date {due}",
                    _township(facts, station), resolved_on=submitted[0] if submitted else None)]


def _misuse(facts: Facts) -> list[Finding]:
    return [Finding("misuse_open", rid, "", m["observed_on"], tuple(m["positions"]),
                    "a station social worker reported as used for township staff work", m["township"],
                    resolved_on=m["resolved_on"]) for rid, m in facts.misuse.items()]


def _activities(facts: Facts) -> list[Finding]:
    return [Finding("activity_without_content", a["id"], "", a["held_on"], (a["position"],),
                    "an activity recorded without a goal or a method (专业内涵)", _township(facts, a["station"]))
            for a in facts.activities if not a["goal"].strip() or not a["method"].strip()]


def _targets(facts: Facts, as_of: date, settings: Settings) -> list[Finding]:
    """Certified growth below the yearly pace, and professionals below the population share's straight-line pace."""
    base = facts.baseline
    if not base or not facts.yearly:
        return []
    year = max(y for y in facts.yearly if y <= as_of.year) if any(y <= as_of.year for y in facts.yearly) else None
    if year is None or year <= int(base["year"]):
        return []
    certified, professionals, pos = facts.yearly[year]
    positions, since = (*base["positions"], pos), date(year, 12, 31)
    out = []
    needed = base["certified_social_workers"] * (1 + settings.certified_growth_per_year) ** (year - int(base["year"]))
    if certified < needed:
        out.append(Finding("workforce_target_at_risk", "county", f"certified_growth:{year}", since, positions,
                           f"{certified} certified social workers in {year}, below the "
                           f"{settings.certified_growth_per_year:.0%}/year pace ({math.ceil(needed)})"))
    share = math.ceil(sum(facts.population.values()) * settings.professionals_population_share)
    elapsed = min(1.0, max(0.0, (since - PLAN_START).days / (TARGET_END - PLAN_START).days))
    pace = base["professionals"] + (share - base["professionals"]) * elapsed
    if share and professionals < pace:
        out.append(Finding("workforce_target_at_risk", "county", f"professionals_share:{year}", since, positions,
                           f"{professionals} professionals in {year}, below the straight-line pace to "
                           f"{share} ({settings.professionals_population_share:g} of the population)"))
    return out
