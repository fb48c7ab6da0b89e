"""Every failure as application/problem+json (RFC 9457), mapped in this one place."""

from __future__ import annotations

import logging
import re
import sqlite3
import uuid
from typing import Any

import msgspec
import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from app.aggregates import errors
from app.aggregates.idempotency import IdempotencyKeyReused
from app.credentials import CredentialsUnavailable

log = logging.getLogger("app.http")
PROBLEM_JSON = "application/problem+json"
NAMED_FIELD = re.compile(r"(unknown|missing required) field `([^`]+)`")


class ProblemType(msgspec.Struct, frozen=True):
    status: int
    title: str
    explanation: str


TYPES: dict[str, ProblemType] = {
    "validation-error": ProblemType(
        400,
        "Invalid request",
        "The request body, query or path "
        "broke a rule; `errors` lists each field and what is wrong.",
    ),
    "unauthenticated": ProblemType(
        401,
        "Not authenticated",
        "Send a valid, unexpired bearer token (or the site API key where an endpoint takes one).",
    ),
    "invalid-signature": ProblemType(
        401,
        "Invalid webhook signature",
        "The delivery's Standard Webhooks signature is missing, wrong or outside ±5 min.",
    ),
    "forbidden": ProblemType(
        403,
        "Forbidden",
        "You are authenticated but your role, your "
        "account state or the key you sent does not allow this.",
    ),
    "not-found": ProblemType(404, "Not found", "Nothing with this id exists in your account."),
    "method-not-allowed": ProblemType(
        405, "Method not allowed", "This path exists but does not take this HTTP method."
    ),
    "duplicate-integration": ProblemType(
        409, "Integration already exists", "A site has at most one integration per platform."
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The resource is in a state that does not allow "
        "this, or it changed concurrently; read it again and retry.",
    ),
    "sync-already-running": ProblemType(
        409,
        "Sync already running",
        "One sync runs at a time per integration; wait for it to finish.",
    ),
    "integration-inactive": ProblemType(
        409,
        "Integration inactive",
        "Activate the integration before syncing or receiving webhooks.",
    ),
    "precondition-failed": ProblemType(
        412,
        "Precondition failed",
        "Your If-Match version is no longer current; read the resource again.",
    ),
    "payload-too-large": ProblemType(
        413, "Payload too large", "Request bodies are limited to 64 KiB."
    ),
    "unsupported-media-type": ProblemType(
        415, "Unsupported media type", "Send JSON with Content-Type: application/json."
    ),
    "idempotency-key-reused": ProblemType(
        422,
        "Idempotency key reused",
        "This "
        "Idempotency-Key was first sent with another request "
        "body on this route; a new request needs a new key.",
    ),
    "rate-limited": ProblemType(
        429, "Too many requests", "Slow down; retry after the number of seconds in Retry-After."
    ),
    "internal-error": ProblemType(
        500,
        "Internal error",
        "Something failed on our side; quote the error_id when you report it.",
    ),
    "not-supported": ProblemType(
        501, "Not supported", "The operation exists but not for this integration's platform."
    ),
    "service-unavailable": ProblemType(
        503,
        "Service unavailable",
        "The database is not reachable right now; retry after Retry-After seconds.",
    ),
}

DOMAIN_SLUGS: list[tuple[type[Exception], str]] = [
    (errors.ValidationFailed, "validation-error"),
    (errors.FieldError, "validation-error"),
    (errors.InvalidSignature, "invalid-signature"),
    (errors.Unauthenticated, "unauthenticated"),
    (errors.Forbidden, "forbidden"),
    (errors.NotFound, "not-found"),
    (errors.DuplicateIntegration, "duplicate-integration"),
    (errors.SyncAlreadyRunning, "sync-already-running"),
    (errors.IntegrationInactive, "integration-inactive"),
    (errors.Conflict, "conflict"),
    (errors.StaleVersion, "precondition-failed"),
    (errors.NotSupported, "not-supported"),
    (IdempotencyKeyReused, "idempotency-key-reused"),
]
HTTP_SLUGS = {
    400: "validation-error",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
    503: "service-unavailable",
}
TRANSIENT = (
    "locked",
    "busy",
    "connect",
    "timeout",
    "timed out",
    "unable to open",
    "server closed",
    "terminat",
    "pool",
)
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    ProgrammingError,
    psycopg.OperationalError,
    psycopg.ProgrammingError,
    psycopg_pool.PoolTimeout,
    sqlite3.OperationalError,
)


class FieldProblem(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True, kw_only=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = None
    error_id: str | None = None
    retry_after: int | None = None


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry in {retry_after}s")
        self.retry_after = retry_after


def problem(
    request: Request[Any, Any, Any],
    slug: str,
    detail: str,
    *,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    error_id: str | None = None,
) -> Response[Problem]:
    kind = TYPES[slug]
    body = Problem(
        type=f"/problems/{slug}",
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        error_id=error_id,
    )
    return Response(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    slug = next(slug for kind, slug in DOMAIN_SLUGS if isinstance(exc, kind))
    detail = getattr(exc, "detail", str(exc))
    field_errors = None
    if isinstance(exc, errors.ValidationFailed):
        field_errors = [FieldProblem(e.field, e.message) for e in exc.errors]
    elif isinstance(exc, errors.FieldError):
        field_errors = [FieldProblem(exc.field, exc.message)]
    return problem(request, slug, detail, errors=field_errors)


def http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    assert isinstance(exc, HTTPException)
    slug = HTTP_SLUGS.get(exc.status_code)
    if slug is None and "client disconnected" in str(exc.detail):
        log.info("client went away during %s %s", request.method, request.url.path)
        return problem(request, "validation-error", "the client disconnected")
    if slug is None:
        return internal_error(request, exc)
    field_errors = None
    if isinstance(exc, ValidationException) or exc.status_code == 400:
        field_errors = [
            _field_problem(e)
            for e in (exc.extra if isinstance(exc.extra, list) else [])
            if isinstance(e, dict)
        ]
    allow = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow")
    headers = {"Allow": allow} if allow else None
    detail = (
        "; ".join(f"{e.field}: {e.message}" for e in field_errors)
        if field_errors
        else _http_detail(exc, slug)
    )
    return problem(request, slug, detail, errors=field_errors or None, headers=headers)


def rate_limited(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    assert isinstance(exc, RateLimited)
    return problem(request, "rate-limited", str(exc), headers={"Retry-After": str(exc.retry_after)})


def unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if _read_model_missing(exc):
        return problem(
            request,
            "service-unavailable",
            "the read models this version of the service reads are still being built",
            headers={"Retry-After": "5"},
        )
    if not any(word in str(exc).lower() for word in TRANSIENT):
        return internal_error(request, exc)
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem(
        request,
        "service-unavailable",
        "the database is not reachable right now",
        headers={"Retry-After": "2"},
    )


def _read_model_missing(exc: Exception) -> bool:
    """A read table's view does not exist yet: its version's first generation is building."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, psycopg.errors.UndefinedTable) or (
            isinstance(seen, sqlite3.OperationalError) and "no such table" in str(seen)
        ):
            return True
        seen = seen.__cause__
    return False


def credentials_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    return problem(request, "conflict", str(exc))


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    error_id = uuid.uuid4().hex
    log.error(
        "unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc
    )
    return problem(request, "internal-error", "an unexpected error occurred", error_id=error_id)


def _field_problem(error: dict[str, Any]) -> FieldProblem:
    """Name the field a Litestar/msgspec error is about (`data` means the whole body)."""
    message = str(error.get("message", "invalid"))
    key = str(error.get("key") or "data")
    named = NAMED_FIELD.search(message)
    if named:
        key = named.group(2) if key == "data" else f"{key}.{named.group(2)}"
        message = "is not a known field" if named.group(1) == "unknown" else "is required"
    elif key == "data":
        key = "body"
    return FieldProblem(key, message)


def _http_detail(exc: HTTPException, slug: str) -> str:
    detail = exc.detail or TYPES[slug].title
    return "the request body is larger than 64 KiB" if slug == "payload-too-large" else detail


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    errors.DomainError: domain_error,
    HTTPException: http_error,
    RateLimited: rate_limited,
    CredentialsUnavailable: credentials_unavailable,
    **dict.fromkeys(UNAVAILABLE, unavailable),
    Exception: internal_error,
}
