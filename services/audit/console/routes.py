"""The console's pages: short handlers that ask ``views`` for the APIs' answers and render a template."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from services.audit.console import chart, forms, live, views
from services.audit.console.api import ApiError
from services.audit.console.messages import day
from services.audit.console.session import CurrentViewer, Viewer, keep_language, remember
from services.audit.console.settings import console_settings
from services.audit.findings_rules import RULES
from shared.auth import BEARER_ROLES, InvalidToken, mint, verify
from shared.domain import county_today
from shared.service import runtime_of

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.tests["refusal"] = lambda value: isinstance(value, ApiError)
RANGE = ("from", "to", "after")
EXPORTS = ("ledger", "findings", "contracts", "disbursements", "payroll", "roster", "social-insurance")
router = APIRouter(include_in_schema=False)


def render(request: Request, viewer: Viewer, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the viewer's language."""
    response = TEMPLATES.TemplateResponse(request, template, {**viewer.formats(), **context}, status_code=status)
    keep_language(response, request)
    return response


def to_signin(request: Request) -> RedirectResponse:
    """The sign-in page, coming back here afterwards."""
    return RedirectResponse(f"/console/signin?next={quote(request.url.path)}", status_code=303)


def back(target: str, fallback: str = "/") -> str:
    """A local path to return to (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else fallback


@router.get("/")
async def dashboard(request: Request, viewer: CurrentViewer, as_of: Annotated[date | None, Query()] = None) -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    chosen, head = as_of or county_today(), await live.watch_of(request).current()
    data = await views.dashboard(viewer.api, chosen, head)
    drawn = chart.progress_chart(data["series"], lambda d: day(viewer.language, d))
    return render(request, viewer, "dashboard.html", as_of=chosen, chart=drawn, head=head, **data)


@router.get("/console/signin")
async def signin_page(request: Request, viewer: CurrentViewer, next: str = "/") -> Response:
    return render(request, viewer, "signin.html", next=back(next), roles=sorted(BEARER_ROLES),
                  dev=runtime_of(request).settings.environment == "dev", problem=None)


@router.post("/console/signin/dev")
async def signin_dev(request: Request, viewer: CurrentViewer) -> Response:
    settings, form = runtime_of(request).settings, await request.form()
    if settings.environment != "dev":
        return render(request, viewer, "signin.html", status=403, next="/", roles=[], dev=False,
                      problem=ApiError(403, {"detail": "tokens are minted only in the dev environment"}))
    if forms.text(form, "role") not in BEARER_ROLES:
        return render(request, viewer, "signin.html", status=422, next="/", roles=sorted(BEARER_ROLES), dev=True,
                      problem=ApiError(422, {"detail": f"no such role: {forms.text(form, 'role')!r}"}))
    townships = tuple(t.strip() for t in forms.text(form, "townships").replace("，", ",").split(",") if t.strip())
    token = mint(settings, subject=forms.text(form, "subject") or "console-user", role=forms.text(form, "role"),
                 organisation=forms.text(form, "organisation"), townships=townships)
    return signed_in(request, token, forms.text(form, "next"))


@router.post("/console/signin/token")
async def signin_token(request: Request, viewer: CurrentViewer) -> Response:
    form = await request.form()
    token = forms.text(form, "token").removeprefix("Bearer ").strip()
    try:
        verify(runtime_of(request).settings, token)
    except InvalidToken as exc:
        return render(request, viewer, "signin.html", status=401, next="/", roles=sorted(BEARER_ROLES),
                      dev=runtime_of(request).settings.environment == "dev",
                      problem=ApiError(401, {"detail": str(exc)}))
    return signed_in(request, token, forms.text(form, "next"))


def signed_in(request: Request, token: str, target: str) -> RedirectResponse:
    response = RedirectResponse(back(target), status_code=303)
    remember(response, request, token)
    return response


@router.post("/console/signout")
async def signout() -> Response:
    response = RedirectResponse("/console/signin", status_code=303)
    response.delete_cookie("sw_console_token", path="/")
    return response


@router.get("/console/stations/{station_id}")
async def station_page(request: Request, viewer: CurrentViewer, station_id: str) -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    try:
        data = await views.station(viewer.api, station_id)
    except ApiError as exc:
        return render(request, viewer, "problem.html", status=exc.status, problem=exc)
    return render(request, viewer, "station.html", **data)


@router.get("/console/todo")
async def todo_page(request: Request, viewer: CurrentViewer, done: str = "") -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    data = await views.todo(viewer.api)
    head = await live.watch_of(request).current()
    return render(request, viewer, "todo.html", done=done, today=county_today(), head=head, **data)


async def command(request: Request, viewer: Viewer, service: str, method: str, path: str,
                  body: dict[str, Any], target: str) -> Response:
    """Sends a form's command; back to ``target`` when recorded, else the problem as a readable message."""
    if viewer.ctx is None:
        return to_signin(request)
    try:
        await viewer.api.send(service, method, path, body)
    except ApiError as exc:
        return render(request, viewer, "problem.html", status=exc.status, problem=exc, back=target)
    return RedirectResponse(f"{target}?done=1", status_code=303)


@router.post("/console/forms/site")
async def provide_site(request: Request, viewer: CurrentViewer) -> Response:
    form = await request.form()
    path = f"/v1/stations/{quote(forms.text(form, 'station_id'), safe='')}/site"
    return await command(request, viewer, "stations", "PUT", path, forms.site(form), back(forms.text(form, "next")))


@router.post("/console/forms/ledger")
async def submit_ledger(request: Request, viewer: CurrentViewer) -> Response:
    form = await request.form()
    path = f"/v1/stations/{quote(forms.text(form, 'station_id'), safe='')}/ledgers"
    return await command(request, viewer, "stations", "POST", path, forms.ledger(form), back(forms.text(form, "next")))


@router.post("/console/forms/supervision")
async def record_supervision(request: Request, viewer: CurrentViewer) -> Response:
    form = await request.form()
    return await command(request, viewer, "casework", "POST", "/v1/supervision-sessions", forms.supervision(form),
                         back(forms.text(form, "next")))


@router.post("/console/forms/service")
async def record_service(request: Request, viewer: CurrentViewer) -> Response:
    form = await request.form()
    path = f"/v1/cases/{quote(forms.text(form, 'case_id'), safe='')}/services"
    return await command(request, viewer, "casework", "POST", path, forms.service(form), back(forms.text(form, "next")))


@router.get("/console/findings")
async def findings_page(request: Request, viewer: CurrentViewer, rule: str = "", open: str = "true") -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    found = await views.attempt_all(viewer.api, "audit", "/v1/findings", rule=rule or None,
                                    open="true" if open == "true" else None)
    return render(request, viewer, "findings.html", findings=found, rules=RULES, rule=rule, open_only=open == "true",
                  head=await live.watch_of(request).current())


@router.get("/console/ledger")
async def ledger_page(request: Request, viewer: CurrentViewer, after: int = 0, type_prefix: str = "",
                      as_of: str = "") -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    page = await views.ledger(viewer.api, max(after, 0), type_prefix or None, as_of or None)
    return render(request, viewer, "ledger.html", page=page, after=after, type_prefix=type_prefix, as_of=as_of,
                  exports=EXPORTS)


@router.get("/console/exports/{name}.{kind}")
async def export(request: Request, viewer: CurrentViewer, name: str, kind: str) -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    if name not in EXPORTS or kind not in ("csv", "xlsx"):
        return render(request, viewer, "problem.html", status=404, problem=ApiError(404, {"detail": name}))
    try:
        file = await viewer.api.download("audit", f"/v1/exports/{name}.{kind}",
                                         **{k: v for k, v in request.query_params.items() if k in RANGE})
    except ApiError as exc:
        return render(request, viewer, "problem.html", status=exc.status, problem=exc, back="/console/ledger")
    disposition = file.disposition or f'attachment; filename="{name}.{kind}"'
    return Response(file.body, media_type=file.media_type, headers={"Content-Disposition": disposition})


@router.post("/console/verify")
async def verify_ledger(request: Request, viewer: CurrentViewer) -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    verdict = await viewer.api.attempt("audit", "/v1/ledger/verify")
    checkpoint = await views.latest_checkpoint(viewer.api)
    return render(request, viewer, "verify.html", verdict=verdict, checkpoint=checkpoint)


@router.get("/console/finance")
async def finance_page(request: Request, viewer: CurrentViewer) -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    return render(request, viewer, "finance.html", **await views.finance(viewer.api))


@router.get("/console/roster")
async def roster_page(request: Request, viewer: CurrentViewer, as_of: str = "") -> Response:
    if viewer.ctx is None:
        return to_signin(request)
    roster = await views.attempt_all(viewer.api, "workforce", "/v1/roster", as_of=as_of or None)
    return render(request, viewer, "roster.html", roster=roster, as_of=as_of)


@router.get("/console/events")
async def events(request: Request, viewer: CurrentViewer, after: int = 0) -> Response:
    if viewer.ctx is None:
        return Response(status_code=401)
    resume = request.headers.get("last-event-id", "")
    start = int(resume) if resume.isdigit() else max(after, 0)
    body = live.stream(request, viewer.ctx, start, console_settings().live_stream_seconds)
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})
