"""The verify command's exit status and report, for scripts and people."""

from __future__ import annotations

import psycopg
import pytest

from services.audit import verify
from services.audit.domain import Gap, Verdict

INTACT = Verdict(ok=True, complete=True, checked=3, head="ab")
INCOMPLETE = Verdict(ok=True, complete=False, checked=3, head="ab", completeness_reason="2 gap(s) in the ledger",
                     missing=(Gap("/sw/stations", 17, 23, detail="entry 23 follows 20, which the ledger lacks"),
                              Gap("/sw/workforce", 4, stream_head=9, detail="the stream holds up to 9")))
BROKEN = Verdict(ok=False, complete=False, checked=1, head="ab", first_bad_position=2, reason="chain hash ...")


@pytest.mark.parametrize(("verdict", "status", "says"), [
    (INTACT, 0, "ledger COMPLETE"),
    (INCOMPLETE, 2, "/sw/stations: missing after 17, before 23"),
    (BROKEN, 1, "BROKEN at position 2"),
])
def test_the_exit_status_says_intact_broken_or_incomplete(monkeypatch, capsys, verdict: Verdict, status: int,
                                                          says: str) -> None:
    monkeypatch.setattr(verify, "run", lambda _settings: verdict)
    assert verify.main([]) == status
    assert says in capsys.readouterr().out


def test_an_unreadable_database_is_status_3_with_a_message_not_a_traceback(monkeypatch, capsys) -> None:
    def refuse(_settings):
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(verify, "run", refuse)
    assert verify.main([]) == 3
    assert "cannot read the ledger: OperationalError: connection refused" in capsys.readouterr().err


def test_json_output_is_the_http_verdict(monkeypatch, capsys) -> None:
    monkeypatch.setattr(verify, "run", lambda _settings: INCOMPLETE)
    assert verify.main(["--json"]) == 2
    out = capsys.readouterr().out
    assert '"missing_after": 17' in out and '"stream_head": 9' in out
