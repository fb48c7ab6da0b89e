"""HTTP authentication: the bearer principal of a request, and the role it must hold."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from app.aggregates.errors import Forbidden, Unauthenticated
from app.identity import Principal


def bearer_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The caller's verified principal, or None when no Authorization header was sent."""
    state = connection.scope.setdefault("state", {})
    if "principal" not in state:
        header = connection.headers.get("authorization")
        if header is None:
            state["principal"] = None
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("use Authorization: Bearer <token>")
            state["principal"] = connection.app.state.services.tokens.verify(token.strip())
    principal: Principal | None = state["principal"]
    return principal


def authenticated(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = bearer_principal(connection)
    if principal is None:
        raise Unauthenticated("authentication required: send Authorization: Bearer <token>")
    if not principal.is_active:
        raise Forbidden("this user is inactive")
    return principal


def authorised(connection: ASGIConnection[Any, Any, Any, Any], role: str) -> Principal:
    """The caller, if an active user of at least `role`."""
    principal = authenticated(connection)
    if not principal.at_least(role):
        raise Forbidden(f"this needs the {role} role or above")
    return principal


async def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return authenticated(request)


async def provide_optional_principal(
    request: ASGIConnection[Any, Any, Any, Any],
) -> Principal | None:
    principal = bearer_principal(request)
    if principal is not None and not principal.is_active:
        raise Forbidden("this user is inactive")
    return principal
