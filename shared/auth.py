"""Authentication: bearer JWTs carrying role, organisation and township scope.

``python -m shared.auth --role civil_affairs_admin`` mints a dev token.
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from dataclasses import replace

import jwt

from shared.domain import Context, Role
from shared.settings import Settings, get_settings

ALGORITHM = "HS256"
ORGANISATION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:sw:workforce")
"""The namespace of organisation ids: an organisation's id is derived from its unified social credit code."""
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
BEARER_ROLES = frozenset(r.value for r in Role if r is not Role.SYSTEM)
"""The roles a bearer token may carry: ``system`` never comes from outside the process."""


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired or not ours."""


def mint(
    settings: Settings,
    *,
    subject: str,
    role: Role | str,
    organisation: str = "",
    townships: tuple[str, ...] = (),
    ttl_seconds: int = 12 * 3600,
) -> str:
    """Signs a token for one user (never of the in-process ``system`` role)."""
    if Role(role) is Role.SYSTEM:
        raise ValueError("the system role acts only in-process and never carries a token")
    now = int(time.time())
    claims = {
        "sub": subject,
        "role": Role(role).value,
        "org": organisation,
        "townships": list(townships),
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


_VERIFIED: dict[tuple[str, str, str], tuple[Context, float]] = {}
"""Tokens verified before (with the secret and issuer they were verified against): their context and expiry."""
VERIFIED_TOKENS_KEPT = 4096


def verify(settings: Settings, token: str, correlation_id: str = "") -> Context:
    """The context of a valid token; raises ``InvalidToken`` otherwise.

    A client sends the same token with every request until it expires: a token verified before is not decoded and
    its signature not checked again until its ``exp`` (it cannot become invalid sooner: only ``nbf``, ``iat`` and
    ``exp`` depend on time, and the first two only once). A token that failed is never kept.
    """
    known = (settings.jwt_secret, settings.jwt_issuer, token)
    found = _VERIFIED.get(known)
    if found is not None:
        if time.time() >= found[1]:
            _VERIFIED.pop(known, None)
            raise InvalidToken("Signature has expired")
        return replace(found[0], correlation_id=correlation_id or str(uuid.uuid4()))
    ctx, expires = _verify(settings, token, correlation_id)
    if len(_VERIFIED) >= VERIFIED_TOKENS_KEPT:
        _VERIFIED.clear()
    _VERIFIED[known] = (ctx, expires)
    return ctx


def _verify(settings: Settings, token: str, correlation_id: str) -> tuple[Context, float]:
    try:
        claims = jwt.decode(
            token, settings.jwt_secret, algorithms=[ALGORITHM], issuer=settings.jwt_issuer,
            options={"require": ["sub", "role", "exp", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    role = _claim_role(claims.get("role"))
    subject, organisation, townships = claims["sub"], claims.get("org", ""), claims.get("townships", [])
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidToken("the 'sub' claim must name the user")
    if not isinstance(organisation, str):
        raise InvalidToken("the 'org' claim must be a string")
    if not isinstance(townships, list) or not all(isinstance(t, str) and t for t in townships):
        raise InvalidToken("the 'townships' claim must be a list of township codes")
    ctx = Context(actor=subject, role=role.value, organisation=organisation,
                  townships=tuple(townships), correlation_id=correlation_id or str(uuid.uuid4()))
    return ctx, float(claims["exp"])


def organisation_id(claim: str) -> str:
    """The id of the organisation a token or record names: a unified social credit code becomes the id derived from
    it (the workforce service's rule), an id or any other name stays as it is."""
    try:
        return str(uuid.UUID(claim))
    except ValueError:
        pass
    code = claim.strip().upper()
    if _CREDIT_CODE.match(code):
        return str(uuid.uuid5(ORGANISATION_NAMESPACE, f"organisation:{code}"))
    return claim


def organisation_refs(claim: str) -> list[str]:
    """The names a record may give the organisation a token names: as the token says it, and by id."""
    return list(dict.fromkeys((claim, organisation_id(claim))))


def same_organisation(recorded: str, claimed: str) -> bool:
    """True if a record's organisation and a token's are the same, each named by id or by credit code."""
    return recorded == claimed or organisation_id(recorded) == organisation_id(claimed)


def _claim_role(value: object) -> Role:
    """The token's role: a known one other than ``system``, which acts only in-process (``shared.domain.SYSTEM``)."""
    if not isinstance(value, str) or value not in BEARER_ROLES:
        raise InvalidToken(f"the 'role' claim names no role a token may carry: {value!r}")
    return Role(value)


def main() -> None:
    """Prints a dev token."""
    parser = argparse.ArgumentParser(description="Mint a bearer token (dev and test only).")
    parser.add_argument("--role", required=True, choices=sorted(BEARER_ROLES))
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--org", default="")
    parser.add_argument("--township", action="append", default=[])
    parser.add_argument("--ttl", type=int, default=12 * 3600)
    args = parser.parse_args()
    settings = get_settings()
    if settings.environment == "prod":
        raise SystemExit("refusing to mint tokens in prod")
    print(mint(settings, subject=args.subject, role=args.role, organisation=args.org,
               townships=tuple(args.township), ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
