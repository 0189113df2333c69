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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, DiscardPolicy, StorageType, StreamConfig, StreamSource
from nats.js.errors import NotFoundError

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


def inbox_prefix(user: str) -> str:
    """Where a user's deliveries and answers arrive (``inbox_prefix`` of its connection; ``SW_NATS_INBOX_PREFIX``
    of a service). Every user has its own: nobody can read another's deliveries."""
    return f"_INBOX_{user.replace('.', '_')}"


def password_variable(user: str) -> str:
    """The environment variable holding a user's password (read by nats-server and by the user's client)."""
    return f"SW_NATS_PASSWORD_{user.upper()}"


def consumer_permissions(stream_name: str, consumer: str, user: str) -> dict:
    """Fetch from and ack on one durable consumer, receive on the user's own inbox; nothing else."""
    s, d = stream_name, consumer
    return {
        "publish": {"allow": [f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}", f"$JS.API.CONSUMER.INFO.{s}.{d}",
                              f"$JS.ACK.{s}.{d}.>"]},
        "subscribe": {"allow": [f"{inbox_prefix(user)}.>"]},
    }


def department_permissions(department: str, settings: Settings, user: str | None = None) -> dict:
    """A department's user: its own consumer on its county's stream, its own inbox."""
    return consumer_permissions(settings.stream_name, durable(department), user or department)


def service_permissions(service: str, settings: Settings, user: str | None = None) -> dict:
    """Publish its own events and dead letters; JetStream only on its own stream: read its state and messages, run
    its own consumers (never a department's). No stream may be created, changed or deleted, no other stream or
    account-wide API is reachable; deliveries and answers arrive on the service's own inbox prefix only."""
    s, p = settings.stream_name, settings.subject_prefix
    # one or two words of action: INFO/CREATE/DELETE/…, MSG.NEXT, DURABLE.CREATE; CREATE may carry a filter
    denied = [f"$JS.API.CONSUMER.{verb}.{s}.{durable(d)}{tail}"
              for d in DEPARTMENTS for verb in ("*", "*.*") for tail in ("", ".>")]
    denied += [f"$JS.ACK.{s}.{durable(d)}.>" for d in DEPARTMENTS]
    jetstream = [
        "$JS.API.INFO", f"$JS.API.STREAM.INFO.{s}", f"$JS.API.STREAM.MSG.GET.{s}", f"$JS.API.DIRECT.GET.{s}",
        f"$JS.API.DIRECT.GET.{s}.>",
        # consumers of this stream: ephemeral (CONSUMER.CREATE.<s>), named or durable, their info, next and delete
        f"$JS.API.CONSUMER.*.{s}", f"$JS.API.CONSUMER.*.{s}.>", f"$JS.API.CONSUMER.*.*.{s}.>",
        f"$JS.ACK.{s}.>",
        # answers to the flow control of the ordered consumer that checks the stream (shared/heal.py)
        f"$JS.FC.{s}.>",
    ]
    return {
        "publish": {"allow": [f"{p}.{service}.>", f"{p}.dlq.>", *jetstream], "deny": denied},
        "subscribe": {"allow": [f"{inbox_prefix(user or service)}.>"]},
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


# --- a province: its counties on one cluster, every user an nkey ------------------------------------------------


@dataclass(frozen=True)
class Province:
    """Counties sharing one NATS cluster: each county is a deployment with subject prefix ``<root>.<county>`` and
    its own stream; the provincial stream sources every county's stream for the provincial auditors."""

    root: str
    counties: tuple[str, ...]

    def county(self, county: str, base: Settings) -> Settings:
        """The settings of one county's deployment (its prefix, stream and county code)."""
        return base.model_copy(update={"subject_prefix": f"{self.root}.{county}", "county_code": county})

    @property
    def stream_name(self) -> str:
        """The provincial stream: every county's events, sourced by JetStream from the county streams."""
        return f"{self.root.upper().replace('.', '_')}_PROVINCE_EVENTS"


PROVINCIAL_AUDITORS = "province.auditors"  # the user; its consumer on the provincial stream is ``auditors``


def county_user(county: str, name: str) -> str:
    """A county's user of a service or a department, e.g. ``522701.finance``."""
    return f"{county}.{name}"


def province_users(province: Province, base: Settings) -> list[tuple[str, dict | None]]:
    """Every user of the province and its permissions (None: unrestricted), in a stable order."""
    users: list[tuple[str, dict | None]] = []
    for county in province.counties:
        own = province.county(county, base)
        users += [(county_user(county, s), service_permissions(s, own, county_user(county, s))) for s in SERVICES]
        users += [(county_user(county, d), department_permissions(d, own, county_user(county, d)))
                  for d in DEPARTMENTS]
    users.append((PROVINCIAL_AUDITORS, consumer_permissions(province.stream_name, "auditors", PROVINCIAL_AUDITORS)))
    users.append((ADMIN, None))
    return users


def new_seed() -> str:
    """A fresh user nkey seed (``SU…``)."""
    import nkeys

    return nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER).decode()


def public_key(seed: str) -> str:
    """The public key (``U…``) of a user seed: all the server is told."""
    import nkeys

    return nkeys.from_seed(bytearray(seed.encode())).public_key.decode()


def seed_file(directory: Path, user: str) -> Path:
    """Where a user's seed is kept (``SW_NATS_NKEY_SEED_FILE`` of a service)."""
    return directory / "seeds" / f"{user}.nk"


def write_province(out: Path, province: Province, base: Settings) -> Path:
    """Writes ``out/access.conf`` (public keys and permissions; nothing secret) and one seed file per user under
    ``out/seeds/`` (mode 0600, kept when present so keys stay stable). Returns the access file."""
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    (out / "seeds").chmod(0o700)
    lines = [f"# Generated by `python -m deploy.nats_access province` for root {province.root!r}, counties "
             f"{', '.join(province.counties)}; provincial stream {province.stream_name}.",
             "# Users are nkeys: the server holds public keys only, each process its own seed file.",
             "authorization {", "  users: ["]
    for user, perms in province_users(province, base):
        path = seed_file(out, user)
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(new_seed() + "\n")
        entry = f"    {{ nkey: {public_key(path.read_text().strip())}"
        entry += f", permissions: {json.dumps(perms)} }}" if perms else " }"
        lines.append(f"    # {user}")
        lines.append(entry)
    lines += ["  ]", "}", ""]
    conf = out / "access.conf"
    conf.write_text("\n".join(lines))
    return conf


def provincial_stream_config(province: Province, base: Settings) -> StreamConfig:
    """The provincial stream: no subjects of its own, every county stream sourced (native JetStream sourcing)."""
    return StreamConfig(name=province.stream_name, sources=[StreamSource(name=province.county(c, base).stream_name)
                                                             for c in province.counties],
                        num_replicas=base.stream_replicas, max_bytes=base.stream_max_bytes,
                        discard=DiscardPolicy.NEW, storage=StorageType.FILE)


async def create_province(js: JetStreamContext, province: Province, base: Settings) -> None:
    """Creates (or updates) each county's stream and departments' consumers, the provincial stream and the
    provincial auditors' consumer. Run as the administrator."""
    for county in province.counties:
        own = province.county(county, base)
        try:
            await js.stream_info(own.stream_name)
        except NotFoundError:
            await js.add_stream(stream.stream_config(own))
        for department in DEPARTMENTS:
            await js.add_consumer(own.stream_name, consumer_config(department, own))
    config = provincial_stream_config(province, base)
    try:
        await js.stream_info(province.stream_name)
        await js.update_stream(config)  # a county added: its stream is sourced too
    except NotFoundError:
        await js.add_stream(config)
    await js.add_consumer(province.stream_name, ConsumerConfig(
        durable_name="auditors", deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT, ack_wait=30.0,
        description="provincial auditors: every county"))


def _province_main(args: argparse.Namespace, settings: Settings) -> None:
    province = Province(args.root, tuple(args.county))
    if args.command == "province":
        conf = write_province(args.dir, province, settings)
        print(f"wrote {conf} and one seed per user under {args.dir / 'seeds'} (mode 0600)")
        for county in province.counties:
            own = province.county(county, settings)
            print(f"county {county}: SW_SUBJECT_PREFIX={own.subject_prefix} SW_COUNTY_CODE={county} "
                  f"(stream {own.stream_name}); each service: SW_NATS_NKEY_SEED_FILE=<seeds/{county}.<service>.nk> "
                  f"SW_NATS_INBOX_PREFIX={inbox_prefix(county_user(county, '<service>'))}")
        return

    async def run() -> None:
        nc = await nats.connect(**stream.connect_options(settings), connect_timeout=5, max_reconnect_attempts=0)
        try:
            await create_province(nc.jetstream(), province, settings)
        finally:
            await nc.close()

    asyncio.run(run())
    print(f"streams, departments' consumers and {province.stream_name}/auditors are in place")


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
    for name, text in (("province", "write a province's access.conf and seeds into DIR"),
                       ("province-streams", "create the counties' and the provincial stream and consumers "
                                            "(as the administrator: SW_NATS_NKEY_SEED_FILE=seeds/admin.nk)")):
        made = sub.add_parser(name, help=text)
        if name == "province":
            made.add_argument("dir", type=Path)
        made.add_argument("--root", default="sw", help="first token of every county's subject prefix")
        made.add_argument("--county", action="append", required=True, help="a county code (repeat per county)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command in ("province", "province-streams"):
        _province_main(args, settings)
    elif args.command == "write":
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
