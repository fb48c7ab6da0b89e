"""Route guards that are not about roles: JSON-only bodies and per-principal throttling."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler

from app.http.auth import bearer_principal
from app.identity import Principal

BODY_METHODS = {"POST", "PUT", "PATCH"}


async def json_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A request body must be JSON; anything else is refused before it is read."""
    if connection.scope.get("method") not in BODY_METHODS or not _has_body(connection):
        return
    media = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HTTPException(status_code=415,
                            detail="send the body as JSON with Content-Type: application/json")


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


def _has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = connection.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in connection.headers
