"""ContractsHeld: the policy turning the stations service's contract events into workforce commands.

Each becomes the application's idempotent ``record_contract`` / ``record_contract_ended`` command (source seq =
the event's sequence).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from uuid import UUID

import psycopg

from services.workforce.application import RecordContract, RecordContractEnded, Workforce
from shared.contracts import stations as stations_contracts
from shared.contracts import workforce as workforce_contracts
from shared.domain import SYSTEM, Invalid
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

CONTRACTS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS contracts_held (
        contract_id uuid PRIMARY KEY,
        organisation_ref text NOT NULL,
        organisation_id uuid,
        station_ids uuid[] NOT NULL,
        source_seq bigint NOT NULL,
        ended boolean NOT NULL DEFAULT false,
        recorded boolean NOT NULL DEFAULT false
    )
    """,
    "CREATE INDEX IF NOT EXISTS contracts_held_organisation ON contracts_held (organisation_id)",
)

log = logging.getLogger(__name__)


class ContractsHeld(Projection):
    """Service contracts signed, amended and terminated in the stations service, recorded on organisations.

    A contract for an organisation the workforce service does not know yet waits in ``contracts_held`` and is
    recorded when the organisation registers. Commands are idempotent on the stations event's sequence.
    """

    name = "workforce.contracts_held"
    ddl = CONTRACTS_DDL
    tables = ("contracts_held",)

    def __init__(self, app: Workforce | None) -> None:
        self.app = app

    def handlers(self) -> dict[str, Handler]:
        return {
            stations_contracts.ServiceContractSigned.event_type(): self._signed,
            stations_contracts.ServiceContractAmended.event_type(): self._amended,
            stations_contracts.ServiceContractTerminated.event_type(): self._terminated,
            workforce_contracts.OrganisationRegistered.event_type(): self._organisation_registered,
        }

    def _signed(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        _noted(event)
        ref = event.data["organisation_id"]
        cur.execute(
            "INSERT INTO contracts_held (contract_id, organisation_ref, organisation_id, station_ids, source_seq) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (contract_id) DO UPDATE SET "
            "station_ids = EXCLUDED.station_ids, source_seq = EXCLUDED.source_seq",
            (event.aggregateid, ref, organisation_id_of(ref), event.data["station_ids"], event.sequence),
        )
        self._record(cur, event.aggregateid, event)

    def _amended(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        _noted(event)
        cur.execute(
            "UPDATE contracts_held SET station_ids = %s, source_seq = %s WHERE contract_id = %s",
            (event.data["station_ids"], event.sequence, event.aggregateid),
        )
        if cur.rowcount != 1:
            raise LookupError(f"service contract {event.aggregateid} was not signed")
        self._record(cur, event.aggregateid, event)

    def _terminated(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        _noted(event)
        row = cur.execute(
            "UPDATE contracts_held SET ended = true, source_seq = %s WHERE contract_id = %s "
            "RETURNING organisation_id, recorded",
            (event.sequence, event.aggregateid),
        ).fetchone()
        if row is None:
            raise LookupError(f"service contract {event.aggregateid} was not signed")
        if row["recorded"]:
            ended = RecordContractEnded(source_seq=event.sequence)
            self._command(lambda app, ctx: app.record_contract_ended(
                ctx, row["organisation_id"], UUID(event.aggregateid), ended), event)

    def _organisation_registered(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        waiting = cur.execute(
            "SELECT contract_id FROM contracts_held WHERE NOT recorded AND NOT ended AND "
            "(organisation_id = %s OR organisation_ref = %s)",
            (event.aggregateid, event.data["unified_social_credit_code"]),
        ).fetchall()
        for row in waiting:
            cur.execute("UPDATE contracts_held SET organisation_id = %s WHERE contract_id = %s",
                        (event.aggregateid, row["contract_id"]))
            self._record(cur, str(row["contract_id"]), event)

    def _record(self, cur: psycopg.Cursor, contract_id: str, event: CloudEvent) -> None:
        """Records the contract's current stations on its organisation, if the organisation is registered."""
        row = cur.execute("SELECT * FROM contracts_held WHERE contract_id = %s", (contract_id,)).fetchone()
        assert row is not None
        app = self._app()
        if row["ended"] or row["organisation_id"] is None or not app.exists(row["organisation_id"]):
            return  # recorded when the organisation registers
        held = RecordContract(contract_id=UUID(contract_id), station_ids=list(row["station_ids"]),
                              source_seq=row["source_seq"])
        self._command(lambda a, ctx: a.record_contract(ctx, row["organisation_id"], held), event)
        cur.execute("UPDATE contracts_held SET recorded = true WHERE contract_id = %s", (contract_id,))

    def _command(self, act: Any, event: CloudEvent) -> None:
        ctx = replace(SYSTEM, actor="workforce.contracts_held", correlation_id=event.correlationid,
                      causation_id=event.id, traceparent=event.traceparent)
        act(self._app(), ctx)  # a refusal (e.g. a concurrent save) is retried by the runner, then dead-lettered

    def _app(self) -> Workforce:
        if self.app is None:
            raise LookupError("the contracts-held projection runs only inside the workforce service")
        return self.app


def _noted(event: CloudEvent) -> None:
    """Logs a contract change received, with its trace context (one command followed across the services)."""
    log.info("received %s %s for contract %s (correlation %s, traceparent %s)", event.type, event.id,
             event.aggregateid, event.correlationid, event.traceparent or "-")


def organisation_id_of(ref: str) -> str | None:
    """The workforce organisation id a stations event names: its id, or its unified social credit code."""
    try:
        return str(UUID(ref))
    except ValueError:
        pass
    try:
        return str(Workforce.organisation_id_for(ref))
    except Invalid:
        return None


