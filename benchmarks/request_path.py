"""The request path alone, in one process: what the HTTP conventions cost a command, without network or store.

``python -m benchmarks.request_path [--requests 2000]`` builds an app the way every service does (the problem mapper
and body limit, request metrics, a role-guarded router) with one sync command route taking what command routes take
(a body, the caller, ``Idempotency-Key``, ``If-Match``, the application), and drives it through ASGI at concurrency 1,
8 and 32: microseconds of wall and CPU time per request, the in-process client's included.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Response

from shared.access import ADMIN, guarded, rule
from shared.auth import mint
from shared.http import (
    Body,
    CurrentContext,
    IdempotencyKey,
    IfMatch,
    created,
    install_error_mapper,
    install_request_metrics,
)
from shared.settings import get_settings


class Hire(Body):
    """A small command body."""

    name: str
    hired_on: str


async def application() -> str:
    """Stands for ``shared.service.application_of``."""
    return "application"


def build() -> FastAPI:
    """An app built as the services build theirs, with one command route."""
    router = APIRouter(tags=["workers"])

    @router.post("/workers", status_code=201)
    def hire(body: Hire, ctx: CurrentContext, key: IdempotencyKey, version: IfMatch, response: Response,
             app: Annotated[str, Depends(application)]) -> dict[str, Any]:
        return created(response, "/v1/workers/1", {"id": "1", "version": 1, "name": body.name, "by": ctx.actor})

    app = FastAPI()
    install_error_mapper(app)
    install_request_metrics(app, "bench")
    app.include_router(guarded([router], {"POST /v1/workers": rule(ADMIN)}, prefix="/v1"))
    return app


async def run(app: FastAPI, n: int, concurrency: int) -> tuple[float, float]:
    """Microseconds of wall and CPU time per request."""
    token = mint(get_settings(), subject="bench", role=ADMIN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def post(times: int) -> None:
            for _ in range(times):
                answer = await client.post("/v1/workers", json={"name": "x", "hired_on": "2021-01-01"})
                assert answer.status_code == 201, answer.text

        await post(50)
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(post(n // concurrency) for _ in range(concurrency)))
        done = n // concurrency * concurrency
        return (time.perf_counter() - wall) / done * 1e6, (time.process_time() - cpu) / done * 1e6


def main() -> int:
    """Prints one line per concurrency."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.request_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    app = build()
    for concurrency in (1, 8, 32):
        wall, cpu = asyncio.run(run(app, args.requests, concurrency))
        print(f"concurrency {concurrency}: {wall:,.0f} µs wall, {cpu:,.0f} µs CPU per request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
