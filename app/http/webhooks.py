"""WordPress webhooks. The `authenticated_delivery` guard checks the API key, throttles the
site and verifies the signature over the raw body; Litestar runs guards before it decodes
`data`, so nobody unauthenticated ever reaches body validation, and the body schema is still
documented from the same Structs that validate it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import uuid4

import msgspec
from litestar import Controller, Request, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import OpenAPIType, Operation, Parameter, Schema
from litestar.params import JSONBody

from app import logs
from app.aggregates.errors import FieldError, Unauthenticated
from app.bootstrap import Services
from app.commands import record_webhook
from app.http import callers
from app.http.bodies import ContentId, PostId, Slug, Strict, Url, line
from app.http.calls import execute, run
from app.http.middleware import request_id_of
from app.http.openapi import problems
from app.http.strict_input import check_body, check_path, check_query
from app.http.webhook_verdicts import (
    SENDER,
    SIZE,
    VERDICT_HANDLERS,
    Verdict,
    attempt_of,
    log_attempt,
    record_verdict,
)
from app.reads import Reads

DELIVERY = "webhook_delivery"
MAX_DELIVERY_ID = 256
WordPressTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}Z?$",
        examples=["2026-11-22 02:26:33"],
        description="UTC; `0000-00-00 00:00:00` (drafts) means unknown",
    ),
]


class StatusChange(Strict):
    post_id: PostId
    status: Slug
    content_id: ContentId | None = None
    post_type: Slug | None = None
    url: Url | None = None
    title: Annotated[str, line(2000, 0)] | None = None
    modified_gmt: WordPressTime | None = None


class MetadataChange(Strict):
    post_id: PostId
    metadata: dict[str, Any]
    content_id: ContentId | None = None


class Delivered(msgspec.Struct, kw_only=True):
    ok: bool
    duplicate: bool
    """True when this delivery id was recorded before: nothing changed."""


@dataclass(frozen=True)
class Delivery:
    """What the guard learnt, handed to the route through the request scope."""

    sender: callers.Sender
    delivery_id: str


def _header(name: str, description: str, *, required: bool = False) -> Parameter:
    return Parameter(
        name=name,
        param_in="header",
        required=required,
        description=description,
        schema=Schema(type=OpenAPIType.STRING),
    )


GUARD_HEADERS = [
    _header(
        "X-Api-Key", "The site's API key (or the WordPress integration's api_key).", required=True
    ),
    _header(
        "webhook-id",
        "Standard Webhooks delivery id; a repeated id answers "
        "`duplicate: true` and changes nothing.",
    ),
    _header("webhook-timestamp", "Unix seconds; must be within 5 minutes of now."),
    _header(
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256>` entries; "
        "required when the integration has a `webhook_secret`.",
    ),
    _header("Idempotency-Key", "Delivery id when `webhook-id` is absent."),
]


@dataclass
class WebhookOperation(Operation):
    """Documents the headers the guard reads (a guard declares no parameters itself)."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), *GUARD_HEADERS]


async def authenticated_delivery(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The webhook routes' one guard: path and query as on every route; key (an address
    that keeps sending keys that name nothing is throttled before the look-up), throttle the
    site, signature over the exact raw bytes; only then is the body decoded (strictly, as
    every body is)."""
    assert isinstance(connection, Request)  # HTTP routes guard the Request itself
    check_path(connection)
    check_query(connection, handler)
    state = connection.app.state
    store, throttle = state.services.store, state.throttle
    address = f"webhook-ip:{connection.client.host if connection.client else '-'}"
    await throttle.check(address)
    try:
        sender = await callers.find_sender(
            state.reads, store.hasher, connection.headers.get("x-api-key", "")
        )
    except Unauthenticated:
        await throttle.count(address)
        raise
    logs.bind(integration_id=sender.integration_id)
    scope_state = connection.scope.setdefault("state", {})
    scope_state[SENDER] = sender  # from here on, the attempt is the integration's (webhook log)
    callers.ensure_active(sender)
    await throttle.hit(f"webhook-site:{sender.site_id}")
    body = await connection.body()
    scope_state[SIZE] = len(body)
    if sender.signed:  # decrypting the secrets reads the store: off the event loop
        signature = {name: connection.headers.get(name, "") for name in callers.SIGNATURE_HEADERS}
        await run(callers.verify_signature, store, sender, signature, body)
    await check_body(connection, handler)
    scope_state[DELIVERY] = Delivery(sender, delivery_id(connection))


def delivery_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The sender's id for this delivery; without one it cannot be deduplicated."""
    given = connection.headers.get("webhook-id") or connection.headers.get("idempotency-key")
    if given and len(given) > MAX_DELIVERY_ID:
        raise FieldError("webhook-id", f"at most {MAX_DELIVERY_ID} characters")
    return given or f"unidentified:{uuid4()}"


RESPONSES = problems(400, 401, 403, 404, 409, 413, 415, 429)
AUTH = (
    "Authenticated by `X-Api-Key`; signed (Standard Webhooks) when the integration has a "
    "`webhook_secret`. Answers 200 `{ok, duplicate}`."
)


class WebhookController(Controller):
    path = "/webhooks/wordpress"
    tags = ["webhooks"]
    guards = [authenticated_delivery]
    exception_handlers = VERDICT_HANDLERS

    @post(
        "/status",
        operation_id="receiveWordPressStatusWebhook",
        status_code=200,
        responses=RESPONSES,
        operation_class=WebhookOperation,
        description=f"A post's status changed. {AUTH}",
    )
    async def status(
        self,
        data: JSONBody[StatusChange],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        request: Request[Any, Any, Any],
    ) -> Delivered:
        return await _record(services, reads, request, "status", msgspec.structs.asdict(data))

    @post(
        "/metadata",
        operation_id="receiveWordPressMetadataWebhook",
        status_code=200,
        responses=RESPONSES,
        operation_class=WebhookOperation,
        description=f"A post's metadata changed. {AUTH}",
    )
    async def metadata(
        self,
        data: JSONBody[MetadataChange],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        request: Request[Any, Any, Any],
    ) -> Delivered:
        return await _record(services, reads, request, "metadata", msgspec.structs.asdict(data))


async def _record(
    services: Services,
    reads: Reads,
    request: Request[Any, Any, Any],
    kind: Literal["status", "metadata"],
    fields: dict[str, Any],
) -> Delivered:
    delivery: Delivery = request.scope["state"][DELIVERY]
    sender = delivery.sender
    accepted = attempt_of(request, "accepted", delivery.delivery_id)
    command = record_webhook.RecordWebhook(
        integration_id=sender.integration_id,
        site_id=sender.site_id,
        delivery_id=delivery.delivery_id,
        kind=kind,
        log=tuple(services.webhook_attempts.statements(accepted)) if accepted else (),
        **fields,
    )
    if await reads.one(*record_webhook.seen(command, services.store)):  # a known repeat
        received = record_webhook.Received(duplicate=True, position=0)
    else:
        ctx = sender.context(request_id_of(request.scope))
        received = await execute(services, record_webhook.handle, command, ctx)
    verdict: Verdict = "duplicate" if received.duplicate else "accepted"
    record_verdict(verdict, delivery.delivery_id)
    if received.duplicate:  # an accepted delivery's row committed with its event
        await log_attempt(request, verdict, delivery.delivery_id)
    return Delivered(ok=True, duplicate=received.duplicate)
