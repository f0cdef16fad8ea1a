"""Password hashing (argon2) and access tokens (JWT)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tutor.errors import InvalidToken

ALGORITHM = "HS256"


# argon2-cffi's defaults (RFC 9106's second recommendation): 3 passes over 64 MiB.
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 64 * 1024


@cache
def _hasher(
    time_cost: int = DEFAULT_TIME_COST, memory_kib: int = DEFAULT_MEMORY_KIB
) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


@cache
def dummy_hash(time_cost: int = DEFAULT_TIME_COST, memory_kib: int = DEFAULT_MEMORY_KIB) -> str:
    """A hash to verify against for unknown emails, so they fail as slowly as wrong passwords
    (made at the cost real hashes are made at)."""
    return _hasher(time_cost, memory_kib).hash("not-a-real-password")


def hash_password(
    password: str, time_cost: int = DEFAULT_TIME_COST, memory_kib: int = DEFAULT_MEMORY_KIB
) -> str:
    """An argon2id hash of `password`; verifying it later reads the cost from the hash."""
    return _hasher(time_cost, memory_kib).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    """What an access token says about its bearer."""

    user_id: UUID
    role: str
    # The user's token_version when it was issued: bumping the row's ends every older token.
    version: int = 0


def issue_token(key: str, user_id: UUID, role: str, ttl: timedelta, version: int = 0) -> str:
    """A signed access token for the user."""
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "role": role, "ver": version, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(key: str, token: str) -> TokenClaims:
    """The claims of a valid token; raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return TokenClaims(
            user_id=UUID(claims["sub"]), role=str(claims["role"]), version=int(claims.get("ver", 0))
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc
