"""A department's subscriber: reads its durable consumer, checks each event against the published schemas, prints it.

Written only against what the county publishes: the NATS user, consumer and inbox prefix of the department
(``python -m deploy.nats_access show``) and the JSON Schemas of the events (``python -m shared.asyncapi DIR``
writes them into ``DIR/schemas``). It imports nothing of the services.

    SW_NATS_PASSWORD_FINANCE=... python -m deploy.examples.department_subscriber finance \\
        --url nats://127.0.0.1:4222 --stream SW_EVENTS --schemas build/contracts/schemas

Each valid event is printed as one JSON line on stdout and acknowledged; the consumer is durable, so a
subscriber that was down resumes after the last event it acknowledged. An event that does not match its
schema (or names an unknown type) is reported on stderr and terminated: it is not delivered again.
``--once`` stops when nothing is left instead of waiting for more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import nats
from nats.aio.msg import Msg


def load_schemas(directory: Path) -> dict[str, Any]:
    """A validator per CloudEvents type, from ``<type>.json`` files."""
    return {path.stem: jsonschema_rs.validator_for(json.loads(path.read_text())) for path in directory.glob("*.json")}


def check(msg: Msg, validators: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The event, or None and why it is refused."""
    try:
        event = json.loads(msg.data)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    validator = validators.get(event.get("type", "")) if isinstance(event, dict) else None
    if validator is None:
        return None, "unknown event type"
    errors = [f"{'/'.join(map(str, e.instance_path)) or '(event)'}: {e.message}" for e in validator.iter_errors(event)]
    return (None, "; ".join(errors[:3])) if errors else (event, "")


async def handle(msg: Msg, validators: dict[str, Any]) -> bool:
    """Prints and acks a valid event; reports and terminates an invalid one."""
    event, why = check(msg, validators)
    if event is None:
        print(f"refused {msg.subject} (stream seq {msg.metadata.sequence.stream}): {why}", file=sys.stderr, flush=True)
        await msg.term()
        return False
    line = {"subject": msg.subject, "type": event["type"], "id": event["id"], "time": event["time"],
            "aggregateid": event["aggregateid"], "data": event["data"]}
    print(json.dumps(line, ensure_ascii=False), flush=True)
    await msg.ack_sync()  # acknowledged only once printed: a crash before it means the event comes again
    return True


async def run(args: argparse.Namespace) -> int:
    """Fetches and handles events until interrupted (or, with --once, until none is left)."""
    validators = load_schemas(args.schemas)
    if not validators:
        print(f"no schemas in {args.schemas}: write them with `python -m shared.asyncapi DIR`", file=sys.stderr)
        return 2
    if args.seed:  # a province's department user: an nkey (its seed file), e.g. 522701.finance.nk
        credentials: dict = {"nkeys_seed": str(args.seed)}
    else:
        credentials = {"user": args.department,
                       "password": os.environ.get(f"SW_NATS_PASSWORD_{args.department.upper()}", "")}
    nc = await nats.connect(servers=args.url.split(","), **credentials, name=f"department-{args.department}",
                            inbox_prefix=args.inbox_prefix or f"_INBOX_{args.department.replace('.', '_')}",
                            max_reconnect_attempts=-1)
    try:
        durable = args.durable or args.department.rsplit(".", 1)[-1]  # 522701.finance: consumer finance
        sub = await nc.jetstream().pull_subscribe_bind(durable=durable, stream=args.stream)
        while True:
            try:
                msgs = await sub.fetch(args.batch, timeout=args.wait)
            except (TimeoutError, nats.errors.TimeoutError):
                if args.once:
                    return 0
                continue
            for msg in msgs:
                await handle(msg, validators)
    finally:
        await nc.close()


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.examples.department_subscriber")
    parser.add_argument("department", help="the department's NATS user (password in SW_NATS_PASSWORD_<USER>)")
    parser.add_argument("--url", default=os.environ.get("SW_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--stream", default="SW_EVENTS")
    parser.add_argument("--durable", help="its durable consumer (default: the department's name)")
    parser.add_argument("--seed", type=Path, help="its nkey seed file (a province's users) instead of a password")
    parser.add_argument("--inbox-prefix", help="its inbox prefix (default: _INBOX_<department>)")
    parser.add_argument("--schemas", type=Path, default=Path("build/contracts/schemas"))
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--wait", type=float, default=2.0, help="seconds a fetch waits for new events")
    parser.add_argument("--once", action="store_true", help="stop when nothing is left")
    try:
        return asyncio.run(run(parser.parse_args(argv)))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
