"""Who may do what on NATS: the departments' entitlements as one table, turned into nats-server users.

``python -m deploy.nats_access write DIR`` writes ``DIR/access.conf`` (an ``authorization`` block to include in
the server's configuration) and ``DIR/credentials.env`` (one password variable per user, mode 0600); it prints
the variables the server needs. ``python -m deploy.nats_access consumers`` creates (or brings up to date) each
department's durable consumer on the stream. The subject prefix and the stream come from ``Settings``; the
subjects come from the event contracts, so a table entry naming no published event is refused.

Each department gets a user that may only fetch from, and acknowledge on, its own durable pull consumer
(filtered to its subjects) and receive on its own inbox prefix: it cannot subscribe to event subjects, read
another consumer's deliveries or publish anything else. Townships have no user: subjects do not name the
township, so a subject filter cannot hold them to their own stations (docs/domain.md §14).
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared import stream
from shared.settings import SERVICE_PORTS, Settings

EVERYTHING = ">"
# department -> the events it is entitled to, as <service>.<aggregate>.<event> patterns over the contracts
# (docs/domain.md §14). EVERYTHING is the whole stream, dead letters included.
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "finance": ("stations.service_contract.*", "workforce.worker.pay_recorded", "audit.checkpoint.*",
                "audit.finding.*"),
    "hr": ("workforce.*",),
    "party": ("workforce.worker.party_status_recorded", "workforce.organisation.party_organisation_set_up"),
    "auditors": (EVERYTHING,),
}
SERVICES = tuple(SERVICE_PORTS)
ADMIN = "admin"  # operator tooling (streams, consumers, rebuilds): no restriction
USERS = (*SERVICES, *DEPARTMENTS, ADMIN)


def subjects(department: str, prefix: str) -> list[str]:
    """The subjects a department is entitled to, each a published event's (or the whole stream)."""
    patterns = DEPARTMENTS[department]
    if patterns == (EVERYTHING,):
        return [f"{prefix}.>"]
    from shared.asyncapi import contracts  # the published contracts (imported here: it loads faststream)

    published = [f"{c.service}.{c.aggregate}.{c.event}" for c in contracts()]
    out: list[str] = []
    for pattern in patterns:
        matched = [name for name in published if fnmatch.fnmatchcase(name, pattern)]
        if not matched:
            raise ValueError(f"department {department!r}: {pattern!r} names no published event")
        out.extend(f"{prefix}.{name}" for name in matched if f"{prefix}.{name}" not in out)
    return out


def durable(department: str) -> str:
    """The name of a department's durable consumer on the stream."""
    return department


def inbox_prefix(department: str) -> str:
    """Where a department's deliveries and answers arrive (``inbox_prefix`` of its connection)."""
    return f"_INBOX_{department}"


def password_variable(user: str) -> str:
    """The environment variable holding a user's password (read by nats-server and by the user's client)."""
    return f"SW_NATS_PASSWORD_{user.upper()}"


def department_permissions(department: str, settings: Settings) -> dict:
    """Fetch from and ack on its own consumer, receive on its own inbox; nothing else."""
    s, d = settings.stream_name, durable(department)
    return {
        "publish": {"allow": [f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}", f"$JS.API.CONSUMER.INFO.{s}.{d}",
                              f"$JS.ACK.{s}.{d}.>"]},
        "subscribe": {"allow": [f"{inbox_prefix(department)}.>"]},
    }


def service_permissions(service: str, settings: Settings) -> dict:
    """Publish its own events and dead letters, use JetStream; never touch a department's consumer."""
    s, p = settings.stream_name, settings.subject_prefix
    # one or two words of action: INFO/CREATE/DELETE/…, MSG.NEXT, DURABLE.CREATE; CREATE may carry a filter
    denied = [f"$JS.API.CONSUMER.{verb}.{s}.{durable(d)}{tail}"
              for d in DEPARTMENTS for verb in ("*", "*.*") for tail in ("", ".>")]
    denied += [f"$JS.ACK.{s}.{durable(d)}.>" for d in DEPARTMENTS]
    return {
        # $JS.FC: answers to the flow control of the ordered consumer that checks the stream (shared/heal.py)
        "publish": {"allow": [f"{p}.{service}.>", f"{p}.dlq.>", "$JS.API.>", "$JS.ACK.>", "$JS.FC.>"],
                    "deny": denied},
        "subscribe": {"allow": ["_INBOX.>"]},
    }


def permissions(user: str, settings: Settings) -> dict | None:
    """A user's permissions (None: unrestricted)."""
    if user in DEPARTMENTS:
        return department_permissions(user, settings)
    if user in SERVICES:
        return service_permissions(user, settings)
    return None


def render(settings: Settings) -> str:
    """The ``authorization`` block; passwords are variables nats-server reads from its environment."""
    lines = [f"# Generated by `python -m deploy.nats_access write` for subject prefix {settings.subject_prefix!r}, "
             f"stream {settings.stream_name}.",
             f"# nats-server needs these variables: {', '.join(password_variable(u) for u in USERS)}.",
             "authorization {", "  users: ["]
    for user in USERS:
        entry = f"    {{ user: {json.dumps(user)}, password: ${password_variable(user)}"
        perms = permissions(user, settings)
        entry += f", permissions: {json.dumps(perms)} }}" if perms else " }"
        lines.append(entry)
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def credentials(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Each user's password variable: from the environment when set, else a new random one."""
    environ = os.environ if environ is None else environ
    return {password_variable(u): environ.get(password_variable(u)) or _new_password() for u in USERS}


def _new_password() -> str:
    # nats-server parses a variable's value like a configuration value: a leading letter keeps it a string
    return "p" + secrets.token_hex(24)


def read_credentials(path: Path) -> dict[str, str]:
    """The variables of a credentials file written by ``write``."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def write(out: Path, settings: Settings, environ: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Writes access.conf and credentials.env (kept if present: passwords stay stable) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    conf, env = out / "access.conf", out / "credentials.env"
    conf.write_text(render(settings))
    known = read_credentials(env) if env.exists() else {}
    values = credentials({**known, **(os.environ if environ is None else environ)})
    env.touch(mode=0o600)
    env.chmod(0o600)
    env.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return conf, env


def user_url(nats_url: str, user: str, password: str) -> str:
    """The server URL with a user's credentials in it (what nats-py connects with)."""
    parts = urlsplit(nats_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme or "nats", netloc, parts.path, "", ""))


def consumer_config(department: str, settings: Settings) -> ConsumerConfig:
    """A department's durable pull consumer: its subjects, from the first event, explicit acks."""
    chosen = subjects(department, settings.subject_prefix)
    filters = {"filter_subject": chosen[0]} if len(chosen) == 1 else {"filter_subjects": chosen}
    return ConsumerConfig(durable_name=durable(department), deliver_policy=DeliverPolicy.ALL,
                          ack_policy=AckPolicy.EXPLICIT, ack_wait=30.0, description=f"department {department}",
                          **filters)


async def create_consumers(js: JetStreamContext, settings: Settings) -> list[str]:
    """Creates the stream if missing and each department's consumer (updating its filter if it changed)."""
    await stream.ensure_stream(js, settings)
    for department in DEPARTMENTS:
        await js.add_consumer(settings.stream_name, consumer_config(department, settings))
    return [durable(d) for d in DEPARTMENTS]


async def provision(url: str, settings: Settings) -> list[str]:
    """Connects as a user allowed to manage consumers and creates the departments' consumers."""
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        return await create_consumers(nc.jetstream(), settings)
    finally:
        await nc.close()


def _print_table(settings: Settings) -> None:
    for department in DEPARTMENTS:
        print(f"{department}: user {department}, password ${password_variable(department)}, "
              f"consumer {settings.stream_name}/{durable(department)}, inbox prefix {inbox_prefix(department)}")
        for subject in subjects(department, settings.subject_prefix):
            print(f"    {subject}")


def main(argv: list[str] | None = None) -> int:
    """Command line: write the configuration, create the consumers, or show the table."""
    parser = argparse.ArgumentParser(prog="python -m deploy.nats_access")
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("write", help="write access.conf and credentials.env into DIR")
    out.add_argument("dir", type=Path)
    made = sub.add_parser("consumers", help="create each department's durable consumer")
    made.add_argument("--url", help="a user allowed to manage consumers (default SW_NATS_URL)")
    sub.add_parser("show", help="print each department's user, consumer and subjects")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "write":
        conf, env = write(args.dir, settings)
        print(f"wrote {conf} and {env} (mode 0600)")
        print(f"nats-server reads these variables from its environment: "
              f"{', '.join(password_variable(u) for u in USERS)}")
        print(f"e.g.: set -a; . {env}; set +a; nats-server -c <your.conf including {conf.name}>")
    elif args.command == "consumers":
        names = asyncio.run(provision(args.url or settings.nats_url, settings))
        print(f"durable consumers on {settings.stream_name}: {', '.join(names)}")
    else:
        _print_table(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
