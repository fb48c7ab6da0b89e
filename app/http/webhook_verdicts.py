"""The verdict on each WordPress webhook delivery, counted for `/metrics` and logged with the
request's ids. Refusals are not events, so they are observed here, at the edge, where the
errors are turned into answers; this is also where an inbound webhook log would record each
attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from litestar import Request, Response
from litestar.exceptions import HTTPException

from app import metrics
from app.aggregates import errors
from app.http.problems import EXCEPTION_HANDLERS

log = logging.getLogger("app.http.webhooks")
Verdict = Literal["accepted", "duplicate", "bad_signature", "stale_timestamp", "unknown_key",
                  "inactive", "too_large", "invalid_body"]
STALE = "webhook-timestamp is more than"
"""How `callers.check_signature_headers` words a timestamp outside the window."""
Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


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


def _observed(handler: Handler) -> Handler:
    def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        verdict = verdict_of(exc)
        if verdict is not None:
            record_verdict(verdict, request.headers.get("webhook-id"))
        return handler(request, exc)

    return answer


VERDICT_HANDLERS: dict[type[Exception] | int, Any] = {
    kind: _observed(handler) for kind, handler in EXCEPTION_HANDLERS.items()
}
"""The service's problem mapping, each handler observing the verdict first (a controller's
handlers replace the app's per exception type, so every type is wrapped)."""
