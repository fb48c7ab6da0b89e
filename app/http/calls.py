"""How controllers reach the blocking core: in a worker thread, with the caller's context."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Request

from app.aggregates.errors import StaleVersion
from app.commands.context import Context
from app.http.middleware import request_id_of
from app.identity import Principal

T = TypeVar("T")


async def run(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


def context(principal: Principal, request: Request[Any, Any, Any]) -> Context:
    return Context(account_id=principal.account_id, actor=principal.actor,
                   request_id=request_id_of(request.scope))


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names (None for absent or `*`)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise StaleVersion(f"If-Match {if_match!r} does not name a version of this resource")
    return int(tag)
