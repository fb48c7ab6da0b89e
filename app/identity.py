"""Who a user is: HS256 JWTs carrying account, role and activity."""

from __future__ import annotations

import time
from typing import Any

import jwt
import msgspec

from app.aggregates.errors import Unauthenticated

ROLES = ("viewer", "editor", "admin", "owner")
RANK = {role: rank for rank, role in enumerate(ROLES)}
VERIFIED_TOKENS = 4096
"""Verified tokens remembered per process (forgotten all at once when full)."""


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    account_id: str
    role: str
    is_active: bool = True

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


class Tokens:
    """Issues and verifies user tokens with the configured secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._verified: dict[str, tuple[Principal, float]] = {}
        """Tokens already verified, with their expiry: a client sends the same token on every
        request, and checking its signature again would cost more than the read it guards."""

    def issue(
        self, *, account_id: str, user_id: str, role: str, ttl: int = 3600, is_active: bool = True
    ) -> str:
        if role not in RANK:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        now = int(time.time())
        claims = {
            "sub": user_id,
            "account_id": account_id,
            "role": role,
            "is_active": is_active,
            "iat": now,
            "exp": now + ttl,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the token is malformed or badly signed") from None
        return _principal(claims), float(claims["exp"])


def _principal(claims: dict[str, Any]) -> Principal:
    account, role, active = (
        claims.get("account_id"),
        claims.get("role"),
        claims.get("is_active", True),
    )
    if not isinstance(account, str) or not account or role not in RANK:
        raise Unauthenticated("the token lacks a valid account_id or role claim")
    if not isinstance(active, bool) or not isinstance(claims["sub"], str):
        raise Unauthenticated("the token's sub or is_active claim is malformed")
    return Principal(user_id=claims["sub"], account_id=account, role=str(role), is_active=active)
