"""Where the console finds the services whose APIs it calls (``SW_CONSOLE_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import SERVICE_PORTS


def _local(service: str) -> str:
    return f"http://127.0.0.1:{SERVICE_PORTS[service]}"


class ConsoleSettings(BaseSettings):
    """The base URL of each service's API, as the audit service reaches it."""

    model_config = SettingsConfigDict(env_prefix="SW_CONSOLE_", extra="ignore")

    stations_url: str = _local("stations")
    workforce_url: str = _local("workforce")
    casework_url: str = _local("casework")
    audit_url: str = Field("", description="this service's own API; empty: the address the request came to")
    timeout_seconds: float = Field(15.0, description="longest wait for one API answer")
    live_stream_seconds: float = Field(
        20.0, description="how long one live-update stream stays open before the browser reconnects")

    def url(self, service: str) -> str:
        """The base URL of ``service``'s API ('' for the audit service's own, when not set)."""
        return str(getattr(self, f"{service}_url")).rstrip("/")


@lru_cache
def console_settings() -> ConsoleSettings:
    """The process-wide console settings."""
    return ConsoleSettings()
