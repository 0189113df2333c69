"""A private nats-server running the generated department access configuration, and what tests do with it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.aio.client import Client

from deploy import infra, nats_access
from shared.asyncapi import contracts
from shared.settings import Settings

PREFIX = "cnty"  # not the default: the permissions follow the configured prefix


@dataclass
class Bus:
    """A private nats-server running the generated access configuration."""

    url: str
    settings: Settings
    passwords: dict[str, str]
    proc: subprocess.Popen | None = None
    published: list[str] = field(default_factory=list)

    async def connect(self, user: str, errors: list[str] | None = None) -> Client:
        """A connection as ``user`` (on its own inbox prefix); errors go into ``errors``."""

        async def on_error(error: Exception) -> None:
            if errors is not None:
                errors.append(str(error).lower())

        extra = {"inbox_prefix": nats_access.inbox_prefix(user)} if user != nats_access.ADMIN else {}
        return await nats.connect(self.url, user=user, password=self.passwords[nats_access.password_variable(user)],
                                  error_cb=on_error, max_reconnect_attempts=0, **extra)

    async def publish_all(self, round_: int) -> list[str]:
        """Every published event's subject once, each by its own service's user, plus a dead letter."""
        sent = []
        for service in nats_access.SERVICES:
            nc = await self.connect(service)
            js = nc.jetstream()
            mine = [c.subject(PREFIX) for c in contracts() if c.service == service]
            mine += [f"{PREFIX}.dlq.{service}_projection"] if service == "audit" else []
            for subject in mine:
                body = json.dumps({"subject": subject, "round": round_}).encode()
                await js.publish(subject, body, stream=self.settings.stream_name)
                sent.append(subject)
            await nc.close()
        self.published += sent
        return sent

    async def stream_messages(self) -> int:
        """How many messages the stream holds (asked as the admin)."""
        nc = await self.connect(nats_access.ADMIN)
        try:
            return (await nc.jetstream().stream_info(self.settings.stream_name)).state.messages
        finally:
            await nc.close()


async def reported(errors: list[str], needle: str, count: int = 1) -> int:
    """Waits until the client reported ``count`` server errors containing ``needle`` (its callbacks run as tasks)."""
    for _ in range(100):
        if sum(needle in e for e in errors) >= count:
            break
        await asyncio.sleep(0.05)
    return sum(needle in e for e in errors)


def start_private_server(directory: Path, settings: Settings) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """nats-server on a free port with the generated access.conf included; its URL and the credentials."""
    conf, env = nats_access.write(directory, settings, environ={})
    store = directory / "store"
    main = directory / "server.conf"
    main.write_text(f'include "{conf.name}"\njetstream {{\n  store_dir: {json.dumps(str(store))}\n}}\n')
    passwords = nats_access.read_credentials(env)
    port = infra.free_port()
    log = open(directory / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([infra.nats_binary(), "-c", str(main), "-a", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **passwords})
    return proc, f"nats://127.0.0.1:{port}", passwords


async def wait_for_admin(bus: Bus) -> None:
    """Polls until the server accepts the admin (it is starting meanwhile), then creates the consumers."""
    while True:
        if bus.proc is not None and bus.proc.poll() is not None:
            raise RuntimeError("nats-server exited: see server.log")
        try:
            nc = await bus.connect(nats_access.ADMIN)
        except (OSError, nats.errors.Error):
            await asyncio.sleep(0.1)
            continue
        await nats_access.create_consumers(nc.jetstream(), bus.settings)
        await nc.close()
        return
