"""The county console: the web pages of the programme, in Chinese (English available), served by the audit service
at ``/``. Every figure comes from the services' own APIs, called with the signed-in user's token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.audit.console import live
from services.audit.console.routes import router


def mount(app: FastAPI) -> None:
    """Adds the console's pages (outside the OpenAPI) and its static files to the audit service's app."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[None]:
        async with started(inner):
            try:
                yield
            finally:
                await live.stop(getattr(inner.state, "console_watch", None))

    app.router.lifespan_context = lifespan
