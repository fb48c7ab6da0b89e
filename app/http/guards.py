"""Every API route runs exactly one guard, its edge: the input is checked first
(`strict_input`), then who is calling. One guard, not a chain, because Litestar copies the
route handler once for each guard of each request.

- `edge` (the bearer routers): the caller must be an active user of at least the role the
  route's `CALLERS` option names (each controller names one), and counts against that
  user's throttling window. A route whose handler authenticates its caller itself (the
  WordPress plugin's onboarding test, structure pushes by site key or token) says so with
  `HANDLER_AUTHENTICATES`.
- Webhooks run `authenticated_delivery` (`app/http/webhooks.py`), which checks path and
  query the same way, then the key, the signature and only then the body.

`check_edges` refuses to build an app with a route behind `edge` that names no callers, so
a new controller cannot be open by omission."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.http.auth import authorised
from app.http.strict_input import strict_input
from app.identity import ROLES, Principal

CALLERS = "callers"
"""Route option: the least role a user calling the route needs, or `CHECKED_IN_HANDLER`."""
CHECKED_IN_HANDLER = "checked in the handler"


HANDLER_AUTHENTICATES = {CALLERS: CHECKED_IN_HANDLER}
"""The route option of a route whose handler authenticates its caller itself."""


def least_role(role: str) -> dict[str, str]:
    """The route option admitting active users of at least `role` (throttled per user)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    return {CALLERS: role}


async def edge(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Input, then the caller's role, then their throttling count, in one guard."""
    await strict_input(connection, handler)
    if _answers_options(handler):  # which methods a path takes is no secret
        return
    role = handler.opt[CALLERS]
    if role == CHECKED_IN_HANDLER:
        return
    principal = authorised(connection, role)
    await connection.app.state.throttle.hit(user_key(principal))


def user_key(principal: Principal) -> str:
    """The throttling key of a user (one count per user, across their requests)."""
    return f"user:{principal.account_id}:{principal.user_id}"


def check_edges(app: Litestar) -> None:
    """Every route behind `edge` names its callers (else the app does not start)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if edge not in handler.resolve_guards() or _answers_options(handler):
                continue
            if CALLERS not in handler.opt:
                raise RuntimeError(f"{handler} is behind `edge` but names no callers")


def _answers_options(handler: BaseRouteHandler) -> bool:
    """Litestar's own `OPTIONS` handler of a path (answered by `app/http/methods.py`)."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"}
