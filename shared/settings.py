"""One settings object for every service, read from ``SW_*`` environment variables."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
MIN_SECRET_BYTES = 32
SERVICE_PORTS = {"stations": 8101, "workforce": 8102, "casework": 8103, "audit": 8104}


class Settings(BaseSettings):
    """Where the infrastructure is, how this run is named, and the plan's policy figures."""

    model_config = SettingsConfigDict(env_prefix="SW_", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    nats_url: str = Field("nats://127.0.0.1:4222", description="one server, or several separated by commas (a cluster)")
    nats_nkey_seed_file: str = Field("", description="file holding this process's NATS user nkey seed (none: no auth)")
    nats_inbox_prefix: str = Field("_INBOX", description="subject prefix of this process's replies and deliveries; "
                                   "with access rules, the one its NATS user may subscribe to")
    nats_tls_ca_file: str = Field("", description="CA certificate the NATS servers' certificates are checked against "
                                  "(set: the connection uses TLS)")
    stream_replicas: int = Field(1, ge=1, le=5, description="replicas of the stream when a service creates it "
                                 "(3 on a three-node cluster)")
    stream_max_bytes: int = Field(-1, description="largest size of the stream when a service creates it; -1: no "
                                  "limit. Full, it refuses new events (discard new): history is never dropped")
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    database_prefix: str = Field("sw_", description="prefix of each service's database name")
    subject_prefix: str = Field("sw", description="first token of every subject; the stream takes <prefix>.>")
    jwt_secret: str = DEV_SECRET
    jwt_issuer: str = "county-sw"
    cipher_key: str = Field("", description="base64 AES key encrypting stored events holding personal data")
    identity_key: str = Field("", description="HMAC key deriving stable worker ids from national id numbers")
    relay_batch: int = 500
    relay_heal_interval: float = Field(
        60.0, description="seconds between the relay's checks that the stream still holds every published event")
    consumer_batch: int = 200
    consumer_max_attempts: int = 3
    consumer_max_ack_pending: int = Field(-1, description="messages a consumer may hold unacknowledged; -1: no limit")
    consumer_max_held: int = Field(5000, ge=0, description="events a consumer keeps in memory while an earlier event "
                                   "of their source is awaited; beyond it, they are NAKed and delivered again later")
    consumer_coalesce_ms: float = Field(100.0, ge=0, description="longest a batch with nothing for a read model "
                                        "waits to be applied with a later batch (shared.coalesce); 0: never waits")
    pool_size: int = Field(2, description="most connections of a process's shared pool (reads, projections)")
    event_store_pool_size: int = Field(2, description="most connections of eventsourcing's pool (commands)")
    db_connect_timeout_seconds: int = Field(2, description="longest wait for a connection before answering 503")
    db_statement_timeout_ms: int = Field(5000, description="longest statement; a hung store is an error, not a hang")
    db_lock_timeout_seconds: int = Field(3, description="longest wait for a lock (the event table's, on insert)")
    retry_after_seconds: int = Field(3, description="Retry-After of a 503 answered while the store is unreachable")
    stall_threshold_seconds: float = Field(30.0, description="/readyz answers 503 once a loop is stalled this long")
    loop_backoff_max_seconds: float = Field(5.0, description="longest pause before a failed loop is restarted")
    county_code: str = "XX"
    database_roles: bool = Field(
        True, description="services connect as their own runtime role, not as the owner of the append-only tables "
                          "(deploy/postgres/README.md); the configured user sets the roles up")
    database_role_password: str = Field("", description="password of the runtime roles (none: trust/peer auth)")
    database_provision: bool = Field(
        True, description="each service sets its roles up at start (the configured user must be able to); false "
                          "when `python -m deploy.postgres.roles` ran beforehand as the administrator")

    # Rate limits (shared.http): in-process token buckets per client address and per token subject.
    auth_failure_burst: int = Field(20, description="authentication failures a client address may make at once")
    auth_failures_per_minute: float = Field(20.0, description="authentication failures per minute after the burst")
    identity_lookup_burst: int = Field(60, description="identity lookups one user makes at once")
    identity_lookups_per_minute: float = Field(30.0, description="identity lookups per minute after the burst")

    trusted_proxies: str = Field(
        "", description="comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For names the "
                        "client (rate-limit keys); none by default: the connecting address is the client")

    # Traces (shared.tracing): off unless an OTLP endpoint is configured here or in OTEL_EXPORTER_OTLP_ENDPOINT.
    otlp_endpoint: str = Field("", description="base URL of an OTLP HTTP receiver (spans go to <url>/v1/traces)")

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
    supervisor_certificate_level: Literal["assistant", "social_worker", "senior"] = Field(
        "social_worker",
        description="lowest 社会工作者职业水平证书 level a supervisor must hold (it or a higher one): the plan asks "
        "for 资深 (experienced) social workers, read as 社会工作师 (social_worker); 'senior' (高级社会工作师) is "
        "stricter, 'assistant' (助理社会工作师) looser",
    )
    minimum_wage_fen: int = 190_000
    certified_growth_per_year: float = 0.35
    certified_multiple_by_2023: float = 2.0
    professionals_population_share: float = Field(
        0.01,
        description="social work professionals (certified workers) per household-registered resident: the plan "
        "prints 1% (0.01, 3,713 for 371,270 people); 1‰ (0.001) is the likely intent (docs/domain.md §11)",
    )
    registered_organisations_min: int = 1
    supervision_min_hours: float = 16.0
    guardian_consent_age: int = Field(14, description="below this age a guardian consents to a beneficiary's record")
    ledger_due_days: int = 15

    # The audit ledger's signed checkpoints (services/audit/README.md).
    audit_signing_key: str = Field("", description="base64 32-byte Ed25519 seed signing the ledger's checkpoints")
    audit_checkpoint_every_s: float = Field(60.0, description="seconds between checkpoints while the ledger grows")

    # Compliance findings of the audit service (services/audit/README.md).
    audit_findings_every_s: float = Field(60.0, description="seconds between evaluations publishing findings")
    audit_pay_grace_days: int = Field(15, description="days after a month's end its pay may still be recorded in time")
    audit_insurance_grace_days: int = Field(30, description="days after hiring each of 五险一金 must be enrolled by")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"SW_TRUSTED_PROXIES: {entry!r} is not an address or a CIDR") from None
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "dev" and self.jwt_secret == DEV_SECRET:
            raise ValueError(f"SW_JWT_SECRET must be set outside dev (environment is {self.environment!r})")
        if self.environment != "dev" and len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"SW_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes outside dev "
                             f"(it is {len(self.jwt_secret.encode())})")
        if self.environment == "prod" and not (self.cipher_key and self.identity_key):
            raise ValueError("SW_CIPHER_KEY and SW_IDENTITY_KEY must be set in prod")
        return self

    @model_validator(mode="after")
    def _refuse_short_keys(self) -> Settings:
        """Outside dev, a key that is set has at least 32 bytes: the identity key as given, the cipher key once
        decoded (AES-256)."""
        if self.environment == "dev":
            return self
        if self.identity_key and len(self.identity_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"SW_IDENTITY_KEY must be at least {MIN_SECRET_BYTES} bytes outside dev")
        if self.cipher_key and _decoded_length(self.cipher_key) != MIN_SECRET_BYTES:
            raise ValueError(f"SW_CIPHER_KEY must be base64 of {MIN_SECRET_BYTES} bytes outside dev")
        return self

    @property
    def stream_name(self) -> str:
        """The JetStream stream holding every event of this deployment."""
        return f"{self.subject_prefix.upper().replace('.', '_')}_EVENTS"

    @property
    def event_county(self) -> str:
        """The county named in the events' ``source``: set only when the subject prefix ends with the county code
        (``sw.522701``). A deployment whose prefix names no county (``sw``) writes ``/sw/<service>`` as before."""
        root, _, last = self.subject_prefix.rpartition(".")
        return last if root and last == self.county_code else ""

    def database_name(self, service: str) -> str:
        """The database of one service."""
        return f"{self.database_prefix}{service}"


def _decoded_length(text: str) -> int:
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return -1


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
