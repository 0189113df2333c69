"""One settings object for every service, read from ``SW_*`` environment variables."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
SERVICE_PORTS = {"stations": 8101, "workforce": 8102, "casework": 8103, "audit": 8104}


class Settings(BaseSettings):
    """Where the infrastructure is, how this run is named, and the plan's policy figures."""

    model_config = SettingsConfigDict(env_prefix="SW_", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    database_prefix: str = Field("sw_", description="prefix of each service's database name")
    subject_prefix: str = Field("sw", description="first token of every subject; the stream takes <prefix>.>")
    jwt_secret: str = DEV_SECRET
    jwt_issuer: str = "county-sw"
    cipher_key: str = Field("", description="base64 AES key encrypting stored events holding personal data")
    identity_key: str = Field("", description="HMAC key deriving stable worker ids from national id numbers")
    relay_batch: int = 500
    consumer_batch: int = 200
    consumer_max_attempts: int = 3
    county_code: str = "XX"

    # The input boundary (shared.fields): what a request may carry.
    date_min: date = Field(date(2000, 1, 1), description="earliest date a command may name")
    date_max: date = Field(date(2035, 12, 31), description="latest date a command may name")
    max_body_bytes: int = Field(262_144, description="largest request body accepted (413 above it)")
    max_event_bytes: int = Field(
        262_144, description="largest stored event a command may produce (413 above it; NATS refuses > 1 MB)"
    )

    # Policy figures of the plan: defaults from the plan, never literals in logic.
    min_workers_per_station: int = 2
    supervisor_min_stations: int = 5
    supervisor_max_stations: int = 8
    minimum_wage_fen: int = 190_000
    certified_growth_per_year: float = 0.35
    certified_multiple_by_2023: float = 2.0
    professionals_population_share: float = 0.01
    registered_organisations_min: int = 1
    supervision_min_hours: float = 16.0
    guardian_consent_age: int = Field(14, description="below this age a guardian consents to a beneficiary's record")
    ledger_due_days: int = 15

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "dev" and self.jwt_secret == DEV_SECRET:
            raise ValueError(f"SW_JWT_SECRET must be set outside dev (environment is {self.environment!r})")
        if self.environment == "prod" and not (self.cipher_key and self.identity_key):
            raise ValueError("SW_CIPHER_KEY and SW_IDENTITY_KEY must be set in prod")
        return self

    @property
    def stream_name(self) -> str:
        """The JetStream stream holding every event of this deployment."""
        return f"{self.subject_prefix.upper().replace('.', '_')}_EVENTS"

    def database_name(self, service: str) -> str:
        """The database of one service."""
        return f"{self.database_prefix}{service}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
