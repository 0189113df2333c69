"""Rate limits of every service: authentication failures per client address, identity lookups per user (429 with
``Retry-After``), and the client address behind trusted proxies."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from fastapi import Request

from shared.domain import Context, RuleViolated
from shared.settings import get_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimited(Exception):
    """Too many authentication failures from one address, or identity lookups by one user: 429 after ``seconds``."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(what)
        self.seconds = max(1, int(seconds + 0.999))


class TokenBucket:
    """In-process token buckets per key (client address, token subject): ``burst`` at once, ``per_minute`` after."""

    def __init__(self, what: str, rate: Callable[[], tuple[int, float]]) -> None:
        self.what = what
        self._rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str) -> tuple[float, int, float]:
        burst, per_minute = self._rate()
        tokens, at = self._buckets.get(key, (float(burst), time.monotonic()))
        now = time.monotonic()
        return min(float(burst), tokens + (now - at) * per_minute / 60), burst, per_minute

    def check(self, key: str) -> None:
        """Refuses (429) while ``key``'s bucket is empty."""
        tokens, _, per_minute = self._level(key)
        if tokens < 1:
            raise RateLimited(self.what, (1 - tokens) * 60 / max(per_minute, 1e-9))

    def take(self, key: str) -> None:
        """Spends one token of ``key``'s bucket; 429 if there is none left."""
        self.check(key)
        self.spend(key)

    def spend(self, key: str) -> None:
        """Spends one token of ``key``'s bucket (the next call is refused when it is empty)."""
        tokens = self._level(key)[0]
        self._buckets[key] = (tokens - 1, time.monotonic())
        if len(self._buckets) > 100_000:  # a flood of addresses must not grow the process without bound
            self._buckets.clear()

    def clear(self) -> None:
        """Forgets every bucket (tests)."""
        self._buckets.clear()


AUTH_FAILURES = TokenBucket(
    "authentication failures", lambda: (get_settings().auth_failure_burst, get_settings().auth_failures_per_minute))
LOOKUPS = TokenBucket(
    "identity lookups", lambda: (get_settings().identity_lookup_burst, get_settings().identity_lookups_per_minute))


def client_address(request: Request) -> str:
    """The caller's address, the key of its rate limits.

    The connecting address, unless it is one of ``SW_TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read from the
    right, past every trusted proxy, and the first address that is not one is the client (a proxy appends the address
    it received from, so only the entries trusted proxies added are believed; whatever the client wrote is not).
    """
    peer = request.client.host if request.client else "unknown"
    trusted = trusted_networks(get_settings().trusted_proxies)
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    client = peer
    for hop in reversed(hops):
        if not _trusted(client, trusted) or not _is_address(hop):
            break
        client = hop
    return client


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[IPNetwork, ...]:
    """The networks of ``SW_TRUSTED_PROXIES`` (comma-separated addresses or CIDRs)."""
    return tuple(ipaddress.ip_network(entry, strict=False)
                 for entry in (part.strip() for part in setting.split(",")) if entry)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def limit_lookups(ctx: Context) -> None:
    """Spends one identity lookup of the token's subject (429 when it has none left)."""
    LOOKUPS.take(ctx.actor)


@contextmanager
def lookup_when_refused(ctx: Context, *rules: str) -> Iterator[None]:
    """A command naming a person counts as an identity lookup when one of ``rules`` refuses it (429 once spent)."""
    LOOKUPS.check(ctx.actor)
    try:
        yield
    except RuleViolated as refused:
        if refused.rule in rules:
            LOOKUPS.spend(ctx.actor)
        raise
