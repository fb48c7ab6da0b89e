"""Route guards that are not about roles: per-principal throttling."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.http.auth import bearer_principal
from app.identity import Principal


async def throttled(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Per user when authenticated, else per client address."""
    principal = bearer_principal(connection)
    if principal is not None:
        key = user_key(principal)
    else:
        key = f"ip:{connection.client.host if connection.client else 'unknown'}"
    await connection.app.state.throttle.hit(key)


def user_key(principal: Principal) -> str:
    """The throttling key of a user (one count per user, across their requests)."""
    return f"user:{principal.account_id}:{principal.user_id}"
