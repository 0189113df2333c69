"""``python -m services.audit.export --out DIR [--to SIZE]``: the ledger as files an auditor verifies offline.

Writes, streaming from the database:
  entries.jsonl      one entry per line, position order, exactly
                     {"position":N,"leaf_hash":"<hex>","chain_hash":"<hex>","event":<the stored bytes, verbatim>}
                     ("event_base64":"<base64>" instead when the stored bytes are not one line of JSON)
  checkpoint.json    the latest signed checkpoint at or below SIZE (default: the ledger's head)
  checkpoints.jsonl  every signed checkpoint up to that one, smallest first (narrows down where a rewrite is)
  public_key.pem     the Ed25519 public key the checkpoints are signed with
Entries up to SIZE are written, also those after the checkpoint (chained, not yet signed).

Exit status: 0 written; 2 no checkpoint at or below SIZE yet (sign one: POST /v1/checkpoints); 3 the
database could not be read.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit import proofs, signing
from services.audit.domain import Entry
from services.audit.queries import ledger_entries
from shared.settings import Settings, get_settings
from shared.store import connect, service_url

WRITTEN, NO_CHECKPOINT, UNREADABLE = 0, 2, 3


def entry_line(entry: Entry) -> bytes:
    """One line of entries.jsonl: the stored bytes verbatim after ``"event":`` (base64 if not one line of JSON)."""
    head = (f'{{"position":{entry.position},"leaf_hash":"{entry.leaf_hash.hex()}",'
            f'"chain_hash":"{entry.chain_hash.hex()}",').encode()
    if _one_json_line(entry.canonical):
        return head + b'"event":' + entry.canonical + b"}\n"
    return head + b'"event_base64":"' + base64.b64encode(entry.canonical) + b'"}\n'


def _one_json_line(body: bytes) -> bool:
    if b"\n" in body or b"\r" in body:
        return False
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def write_export(directory: Path, entries: Iterable[Entry], checkpoint: signing.Checkpoint,
                 earlier: Iterable[signing.Checkpoint], key: Ed25519PublicKey) -> int:
    """Writes the export's files; returns how many entries were written."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "public_key.pem").write_text(signing.public_pem(key))
    (directory / "checkpoint.json").write_text(json.dumps(checkpoint.to_json(), indent=1) + "\n")
    with (directory / "checkpoints.jsonl").open("w") as out:
        for each in earlier:
            out.write(json.dumps(each.to_json()) + "\n")
    written = 0
    with (directory / "entries.jsonl").open("wb") as out:
        for entry in entries:
            out.write(entry_line(entry))
            written += 1
    return written


def export(settings: Settings, directory: Path, to: int | None) -> int:
    """Writes the export of this deployment's ledger; returns the exit status."""
    key = signing.configured_key(settings).public_key()
    with connect(service_url(settings, "audit")) as conn:
        upto = to if to is not None else proofs.ledger_head(conn)
        checkpoint = proofs.latest_checkpoint(conn, upto)
        if checkpoint is None:
            print(f"no checkpoint was signed at or below size {upto}: sign one first (POST /v1/checkpoints)",
                  file=sys.stderr)
            return NO_CHECKPOINT
        earlier = proofs.every_checkpoint(conn, checkpoint.tree_size - 1)
        written = write_export(directory, ledger_entries(conn, upto=upto), checkpoint, earlier, key)
    print(f"{written} entries written to {directory}; checkpoint at size {checkpoint.tree_size} ({checkpoint.time})")
    return WRITTEN


def main(argv: list[str] | None = None) -> int:
    """Writes the export; exit 0 written, 2 nothing signed yet, 3 database unreadable."""
    parser = argparse.ArgumentParser(prog="python -m services.audit.export", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the directory to write")
    parser.add_argument("--to", type=int, help="the last position to export (default: the ledger's head)")
    args = parser.parse_args(argv)
    try:
        return export(get_settings(), args.out, args.to)
    except psycopg.Error as exc:
        print(f"cannot read the ledger: {type(exc).__name__}: {exc}".strip(), file=sys.stderr)
        return UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
