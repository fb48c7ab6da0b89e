"""The verdict on each WordPress webhook delivery, counted for `/metrics`, logged with the
request's ids and kept in the integration's inbound webhook log (`app.webhook_attempts`).
Refusals are not events, so they are observed here, at the edge, where the errors are turned
into answers; a refusal's log row is written after its answer is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException

from app import metrics
from app.aggregates import errors
from app.aggregates.time import iso
from app.http.calls import run
from app.http.middleware import request_id_of
from app.http.problems import EXCEPTION_HANDLERS
from app.webhook_attempts import Attempt

log = logging.getLogger("app.http.webhooks")
Verdict = Literal[
    "accepted",
    "duplicate",
    "bad_signature",
    "stale_timestamp",
    "unknown_key",
    "inactive",
    "too_large",
    "invalid_body",
]
STALE = "webhook-timestamp is more than"
"""How `callers.check_signature_headers` words a timestamp outside the window."""
Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]
SENDER = "webhook_sender"
"""Scope state: the `Sender` the key named (set before any refusal that is theirs)."""
SIZE = "webhook_size"
"""Scope state: the body's size in bytes, once read."""


def verdict_of(exc: Exception) -> Verdict | None:
    """The verdict a refusal stands for; None for failures that say nothing about the
    delivery (throttling, the database being down)."""
    if isinstance(exc, errors.InvalidSignature):
        return "stale_timestamp" if STALE in str(exc) else "bad_signature"
    if isinstance(exc, errors.Unauthenticated | errors.IntegrationNotFound):
        return "unknown_key"
    if isinstance(exc, errors.IntegrationInactive):
        return "inactive"
    if isinstance(exc, errors.ValidationFailed | errors.FieldError):
        return "invalid_body"
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        return "too_large"
    if isinstance(exc, HTTPException) and exc.status_code in (400, 415):
        return "invalid_body"
    return None


def record_verdict(verdict: Verdict, delivery_id: str | None = None) -> None:
    metrics.count_webhook(verdict)
    log.info("webhook delivery %s: %s", delivery_id or "-", verdict)


def attempt_of(
    request: Request[Any, Any, Any], verdict: Verdict, delivery_id: str | None
) -> Attempt | None:
    """The log row for this attempt; None when no integration can be named (unknown key)."""
    state = request.scope.get("state", {})
    sender = state.get(SENDER)
    if sender is None:
        return None
    size = str(state.get(SIZE, request.headers.get("content-length")))
    return Attempt(
        integration_id=sender.integration_id,
        verdict=verdict,
        delivery_id=delivery_id,
        size_bytes=int(size) if size.isdigit() else None,
        attempted_at=iso(datetime.now(UTC)),
        request_id=request_id_of(request.scope),
    )


async def log_attempt(
    request: Request[Any, Any, Any], verdict: Verdict, delivery_id: str | None
) -> None:
    """Keep the attempt in the integration's webhook log (which never raises)."""
    attempt = attempt_of(request, verdict, delivery_id)
    if attempt is not None:
        await run(request.app.state.services.webhook_attempts.record, attempt)


def _observed(handler: Handler) -> Handler:
    def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        verdict = verdict_of(exc)
        response = handler(request, exc)
        if verdict is not None:
            delivery_id = _delivery_id(request)
            record_verdict(verdict, delivery_id)
            response.background = BackgroundTask(log_attempt, request, verdict, delivery_id)
        return response

    return answer


def _delivery_id(request: Request[Any, Any, Any]) -> str | None:
    return request.headers.get("webhook-id") or request.headers.get("idempotency-key")


VERDICT_HANDLERS: dict[type[Exception] | int, Any] = {
    kind: _observed(handler) for kind, handler in EXCEPTION_HANDLERS.items()
}
"""The service's problem mapping, each handler observing the verdict first (a controller's
handlers replace the app's per exception type, so every type is wrapped)."""
