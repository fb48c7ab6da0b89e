"""`Idempotency-Key` on the POSTs that create or start something: a retry with the same key
and body within 24 h gets the first answer and changes nothing; the same key with another
body is a 422. Keys are scoped per caller (account, or site key) and per route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from app.aggregates.bounds import SINGLE_LINE
from app.aggregates.errors import Conflict, DomainError
from app.aggregates.idempotency import IdempotencyRecord
from app.bootstrap import Services
from app.commands import idempotency
from app.commands.claims import Claim, KeyAlreadyClaimed
from app.commands.context import Context
from app.commands.store import Store
from app.http.calls import run
from app.identity import Principal

KEPT_HEADERS = ("location", "etag")
REPLAYED = "Idempotent-Replayed"
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=SINGLE_LINE,
        description="Makes retries safe: the same key and body within 24 h answer the first "
        "response and change nothing; the same key with another body is a 422.",
    ),
]
Act = Callable[[Context], Awaitable[Response[Any]]]


async def idempotently(
    request: Request[Any, Any, Any],
    services: Services,
    ctx: Context,
    key: str | None,
    act: Act,
    *,
    scope: str,
    secret: bool = False,
) -> Response[Any]:
    """Run `act` once per key: claimed with its effect, its answer kept for retries."""
    if not key:
        return await act(ctx)
    store = services.store
    route = f"{request.method} {request.url.path.rstrip('/')}"
    record_id = IdempotencyRecord.create_id(scope, route, key)
    digest = idempotency.request_hash(store, route, await request.body())
    found = await run(idempotency.prepare, store, record_id, route, digest)
    if isinstance(found, idempotency.Answer):
        return replay(found)
    if isinstance(found, idempotency.Pending):
        return await _winner(services, record_id)
    try:
        response = await _act_or_follow(
            act, msgspec.structs.replace(ctx, claim=found), store, found
        )
        response.status_code = response.status_code or request.route_handler.status_code or 200
        if response.status_code < 300:
            answer = _answer(response, response.status_code)
            await run(idempotency.record_answer, store, found, ctx, answer, secret=secret)
    except KeyAlreadyClaimed:
        return await _winner(services, record_id)
    return response


async def _act_or_follow(act: Act, ctx: Context, store: Store, claim: Claim) -> Response[Any]:
    """A command refused because a concurrent request with the same key just took effect
    (a duplicate, a sync already running) follows that request instead."""
    try:
        return await act(ctx)
    except DomainError:
        if await run(idempotency.claimed_since, store, claim):
            raise KeyAlreadyClaimed() from None
        raise


def account_scope(principal: Principal) -> str:
    return f"account:{principal.account_id}"


def replay(answer: idempotency.Answer) -> Response[bytes]:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={**answer.headers, REPLAYED: "true"},
    )


async def _winner(services: Services, record_id: Any) -> Response[bytes]:
    """Another request with this key took effect: answer what it answered."""
    timeout = services.settings.read_your_writes_timeout + 5.0
    answer = await run(idempotency.await_answer, services.store, record_id, timeout)
    if answer is None:
        raise Conflict("a request with this Idempotency-Key is still in progress; retry later")
    return replay(answer)


def _answer(response: Response[Any], status: int) -> idempotency.Answer:
    headers = {
        name: value for name, value in response.headers.items() if name.lower() in KEPT_HEADERS
    }
    return idempotency.Answer(
        status=status, headers=headers, body=msgspec.json.encode(response.content)
    )
