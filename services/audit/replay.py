"""``python -m services.audit.replay --to-position N``: the plan's progress and the ledger's counts as of a position.

Replays the ledger's entries up to position N (and/or recorded by ``--as-of``) through the same pure folds as
``GET /v1/history/...``, with a progress bar on stderr, and prints what the system knew at that point: entries per
source and per event type, stations by status, and each batch's progress against its target.

Exit status: 0 answered; 3 the ledger's database could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, TextIO

import psycopg

from services.audit.history import Fact
from services.audit.history_api import business_day, facts, moment, through
from services.audit.history_plan import plan_progress
from shared.domain import Invalid
from shared.settings import get_settings
from shared.store import connect, service_url, session_options


class Progress:
    """A plain-text progress bar on a terminal stream: ``replaying [#####-----] 1200/2400``."""

    def __init__(self, label: str, total: int, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.label, self.total, self.out, self.width, self.shown = label, total, out, width, -1

    def update(self, done: int) -> None:
        """Redraws the bar when it moved by a character's worth (or reached the end)."""
        filled = self.width if self.total <= 0 else min(self.width, done * self.width // self.total)
        if filled == self.shown and done < self.total:
            return
        self.shown = filled
        self.out.write(f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total}")
        self.out.flush()

    def close(self) -> None:
        """Ends the bar's line."""
        self.out.write("\n")
        self.out.flush()


def counted(items: Iterable[Fact], progress: Progress, counts: Counter[str], sources: Counter[str]) -> Iterator[Fact]:
    """Passes the facts on, counting them by type and by source, and moving the bar."""
    for fact in items:
        counts[fact.type] += 1
        sources[fact.type.split(".")[1] if "." in fact.type else fact.type] += 1
        progress.update(fact.position)
        yield fact


def replay(conn: psycopg.Connection, county: str, to_position: int | None, as_of: str | None,
           as_of_date: date | None, out: TextIO = sys.stderr) -> dict[str, Any]:
    """The plan progress and the counts as of the bounds, folding every entry once."""
    recorded = moment(as_of)
    last = through(conn, to_position, recorded)
    progress = Progress("replaying the ledger", last, out)
    counts: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    stream = counted(facts(conn, to_position, recorded), progress, counts, sources)
    progress_answer = plan_progress(stream, county, business_day(as_of_date, recorded))
    progress.update(last)
    progress.close()
    progress_answer.pop("positions")
    return {"through_position": last, "entries": sum(counts.values()), "by_service": dict(sorted(sources.items())),
            "by_type": dict(sorted(counts.items())), "plan_progress": progress_answer}


def render(answer: dict[str, Any]) -> str:
    """The answer as the operator reads it."""
    plan = answer["plan_progress"]
    lines = [f"ledger up to position {answer['through_position']}: {answer['entries']} entries",
             *(f"  {service:<12} {n}" for service, n in answer["by_service"].items()),
             f"plan progress of {plan['county_code']} on {plan['as_of']}: {plan['opened']} of {plan['target']} "
             "stations opened"]
    for b in plan["batches"]:
        late = " BEHIND SCHEDULE" if b["behind_schedule"] else ""
        lines.append(f"  batch {b['batch']} (deadline {b['deadline']}): target {b['target']}, planned {b['planned']}, "
                     f"opened {b['opened']}, operating {b['operating']}{late}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m services.audit.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--to-position", type=int, default=None, help="replay up to this ledger position")
    parser.add_argument("--as-of", default=None, help="only what was recorded by this date or ISO date-time (UTC+8)")
    parser.add_argument("--as-of-date", type=date.fromisoformat, default=None,
                        help="business date of the plan progress (default: the day of --as-of, or today)")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    args = parser.parse_args(argv)
    if args.to_position is not None and args.to_position < 1:
        parser.error("--to-position must be 1 or more")
    settings = get_settings()
    try:
        moment(args.as_of)
    except Invalid as exc:
        parser.error(f"--as-of: {exc}")
    try:
        with connect(service_url(settings, "audit"), **session_options(settings, "audit-replay")) as conn:
            answer = replay(conn, settings.county_code, args.to_position, args.as_of, args.as_of_date)
    except psycopg.Error as exc:
        print(f"the ledger's database could not be read: {exc}".strip(), file=sys.stderr)
        return 3
    print(json.dumps(answer, ensure_ascii=False, indent=2) if args.json else render(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
