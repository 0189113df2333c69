"""The console's own logic without a service behind it: who may sign in how, the local formats, the forms' bodies
and the chart's geometry."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from services.audit.console import chart, forms
from services.audit.console.messages import MESSAGES, day, moment, money, translate
from services.audit.console.session import TOKEN_COOKIE
from services.audit.main import make_app
from shared.auth import mint
from shared.settings import Settings

SECRET = "console-unit-test-secret-0123456789abcdef"


def client(environment: str) -> TestClient:
    """The audit app (its runtime not started: no database, no broker) in ``environment``."""
    return TestClient(make_app(Settings(environment=environment, jwt_secret=SECRET)), follow_redirects=False)


def test_the_server_mints_a_token_only_in_dev() -> None:
    form = {"role": "auditor", "subject": "someone", "next": "/"}
    refused = client("test").post("/console/signin/dev", data=form)
    assert refused.status_code == 403 and TOKEN_COOKIE not in refused.cookies
    assert "开发环境" not in client("test").get("/console/signin").text, "no dev form outside dev"
    assert client("dev").post("/console/signin/dev", data={**form, "role": "system"}).status_code == 422
    admitted = client("dev").post("/console/signin/dev", data=form)
    assert admitted.status_code == 303 and admitted.headers["location"] == "/"
    assert TOKEN_COOKIE in admitted.headers["set-cookie"] and "HttpOnly" in admitted.headers["set-cookie"]


def test_a_pasted_token_signs_in_when_it_verifies_and_a_page_without_one_asks_for_it() -> None:
    app = client("test")
    assert app.get("/console/findings").headers["location"] == "/console/signin?next=/console/findings"
    forged = app.post("/console/signin/token", data={"token": "not-a-token"})
    assert forged.status_code == 401 and "请重新登录" in forged.text
    token = mint(Settings(environment="test", jwt_secret=SECRET), subject="clerk", role="finance")
    accepted = app.post("/console/signin/token", data={"token": f"Bearer {token}", "next": "//elsewhere.example"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/", "never back to another site"


def test_money_and_dates_in_the_local_formats() -> None:
    assert money("zh", 90_000_000) == "900,000.00 元" and money("zh", -5) == "-0.05 元"
    assert money("en", 123_456) == "CNY 1,234.56"
    assert day("zh", "2021-12-31") == "2021年12月31日" and day("en", date(2021, 12, 31)) == "31 Dec 2021"
    assert moment("zh", "2021-12-31T16:30:00Z") == "2022年1月1日 00:30:00", "China Standard Time"


def test_every_message_has_both_languages() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in MESSAGES.values())
    assert translate("en", "dash.title") == "Station programme dashboard"
    assert translate("xx", "dash.title") == "社工站建设总览", "an unknown language is Chinese"


def test_a_form_becomes_the_commands_body_and_leaves_judging_to_the_api() -> None:
    body = forms.site(FormData([("office_area_m2", "60.5"), ("facilities", "办公室，活动室, "), ("on", "2021-05-01")]))
    assert body == {"office_area_m2": 60.5, "facilities": ["办公室", "活动室"], "on": "2021-05-01"}
    assert forms.number("六十") == "六十" and forms.number("4") == 4
    ledger = forms.ledger(FormData([("year", "2021"), ("spending_yuan", "1234.56")]))
    assert ledger["year"] == 2021 and ledger["spending_fen"] == 123_456 and ledger["quarter"] == ""
    assert forms.fen("0.001") == "0.001", "no fraction of a fen is rounded away"


def test_the_chart_puts_the_targets_at_the_deadlines_and_the_points_in_order() -> None:
    batches = [{"batch": 2, "deadline": "2022-12-31", "target": 6}, {"batch": 1, "deadline": "2021-12-31", "target": 5}]
    series = [{"day": date(2021, 3, 31), "opened": 0, "batches": batches},
              {"day": date(2021, 12, 31), "opened": 5, "batches": batches}]
    drawn = chart.progress_chart(series, str)
    assert drawn is not None and [label for _x, _y, label in drawn.targets] == ["2021-12-31: 5", "2022-12-31: 11"]
    assert drawn.points[0][1] > drawn.points[1][1] == drawn.targets[0][1], "5 opened reaches the first target's height"
    assert chart.progress_chart([], str) is None


def test_a_busy_service_is_asked_again_after_its_retry_after_with_the_same_idempotency_key() -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from services.audit.console.api import Api, ApiError
    from services.audit.console.settings import ConsoleSettings

    seen: list[str | None] = []

    class Busy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.headers.get("Idempotency-Key"))
            busy = len(seen) < 3
            self.send_response(503 if busy else 200)
            self.send_header("Content-Type", "application/json")
            if busy:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(json.dumps({"status": 503} if busy else {"ok": True}).encode())

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = Api(ConsoleSettings(), "token", f"http://127.0.0.1:{server.server_port}")
        assert api._json("POST", "audit", "/v1/x", {}, {"a": 1}) == {"ok": True}
        assert len(seen) == 3 and len(set(seen)) == 1, "one command, asked three times under one key"
        seen.clear()  # now a service that stays busy

        class Down(Busy):
            def do_POST(self) -> None:
                seen.append("again")
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.end_headers()

        server.RequestHandlerClass = Down
        with pytest.raises(ApiError) as refused:
            api._json("POST", "audit", "/v1/x", {}, {"a": 1})
        assert refused.value.status == 503 and len(seen) == 4, "asked four times, then reported"
    finally:
        server.shutdown()
