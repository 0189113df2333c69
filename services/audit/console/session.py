"""Who is looking, in which language: the bearer token (a cookie set at sign-in, or an ``Authorization`` header a
gateway in front of the console forwards from the county's identity provider) and the language cookie."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from services.audit.console import messages
from services.audit.console.api import Api
from services.audit.console.settings import console_settings
from shared.auth import InvalidToken, verify
from shared.domain import Context
from shared.service import runtime_of

TOKEN_COOKIE = "sw_console_token"
LANGUAGE_COOKIE = "sw_console_lang"
COOKIE_SECONDS = 12 * 3600


@dataclass
class Viewer:
    """The signed-in user (``ctx`` None when nobody is), their language and their view of the APIs."""

    ctx: Context | None
    language: str
    api: Api

    def t(self, key: str, **values: Any) -> str:
        """A message of the catalogue in the viewer's language."""
        return messages.translate(self.language, key, **values)

    def formats(self) -> dict[str, Any]:
        """The template helpers in the viewer's language."""
        return {"t": self.t, "money": partial(messages.money, self.language),
                "day": partial(messages.day, self.language), "moment": partial(messages.moment, self.language),
                "known": messages.known, "lang": self.language, "viewer": self.ctx}


def bearer(request: Request) -> str:
    """The token of the request: a forwarded ``Authorization: Bearer`` header first, else the sign-in cookie."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return request.cookies.get(TOKEN_COOKIE, "")


def language_of(request: Request) -> str:
    """``?lang=`` first, then the cookie, then Chinese."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in messages.LANGUAGES else messages.DEFAULT_LANGUAGE


def viewer(request: Request) -> Viewer:
    """The viewer of this request."""
    token, settings = bearer(request), runtime_of(request).settings
    try:
        ctx = verify(settings, token) if token else None
    except InvalidToken:
        ctx = None
    return Viewer(ctx, language_of(request), Api(console_settings(), token, str(request.base_url)))


CurrentViewer = Annotated[Viewer, Depends(viewer)]


def remember(response: Response, request: Request, token: str) -> None:
    """Keeps the token in an HttpOnly, same-site cookie for the console's pages."""
    response.set_cookie(TOKEN_COOKIE, token, max_age=COOKIE_SECONDS, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def keep_language(response: Response, request: Request) -> None:
    """Keeps a language chosen with ``?lang=``."""
    chosen = request.query_params.get("lang")
    if chosen in messages.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
