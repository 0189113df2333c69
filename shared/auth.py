"""Authentication: bearer JWTs carrying role, organisation and township scope.

``python -m shared.auth --role civil_affairs_admin`` mints a dev token.
"""

from __future__ import annotations

import argparse
import time
import uuid

import jwt

from shared.domain import Context, Role
from shared.settings import Settings, get_settings

ALGORITHM = "HS256"


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
    """Signs a token for one user."""
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


def verify(settings: Settings, token: str, correlation_id: str = "") -> Context:
    """The context of a valid token; raises ``InvalidToken`` otherwise."""
    try:
        claims = jwt.decode(
            token, settings.jwt_secret, algorithms=[ALGORITHM], issuer=settings.jwt_issuer,
            options={"require": ["sub", "role", "exp", "iss"]},
        )
        role = Role(claims["role"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from None
    return Context(
        actor=str(claims["sub"]),
        role=role.value,
        organisation=str(claims.get("org") or ""),
        townships=tuple(claims.get("townships") or ()),
        correlation_id=correlation_id or str(uuid.uuid4()),
    )


def main() -> None:
    """Prints a dev token."""
    parser = argparse.ArgumentParser(description="Mint a bearer token (dev and test only).")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
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
