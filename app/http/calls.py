"""How controllers reach the blocking core: in a worker thread, with the caller's context."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Request

from app.aggregates.errors import FieldError
from app.bootstrap import Services
from app.commands.context import Context
from app.commands.store import Store
from app.http.middleware import request_id_of
from app.identity import Principal

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")


async def run(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


async def execute(
    services: Services, handler: Callable[[C, Store, Context], R], command: C, ctx: Context
) -> R:
    """`Services.execute` for a request: the command in a worker thread, then the wait for
    its projection (read-your-writes) on the event loop, so no thread is held meanwhile."""
    result: R = await run(services.decide, handler, command, ctx)
    position = getattr(result, "position", 0)
    if position:
        await services.projected(position)
    return result


def context(principal: Principal, request: Request[Any, Any, Any]) -> Context:
    return Context(
        account_id=principal.account_id,
        actor=principal.actor,
        request_id=request_id_of(request.scope),
    )


def etag(version: int) -> str:
    return f'"{version}"'


IF_MATCH = r'^(\*|(W/)?"[0-9]{1,15}"|[0-9]{1,15})$'
"""`*`, or the `ETag` of a version: `"3"` (a weak `W/"3"`, or a bare `3`, is taken as the
same)."""


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names (None for absent or `*`)."""
    if not if_match or if_match == "*":
        return None
    if not re.match(IF_MATCH, if_match):
        raise FieldError("If-Match", 'must be * or an ETag like "3"')
    return int(if_match.removeprefix("W/").strip('"'))
