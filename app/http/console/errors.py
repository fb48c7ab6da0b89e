"""Console failures as HTML pages, with the same statuses the API's problems use: signed-out
visitors go to the login page, another account's integration is a 404 page, and an
unexpected failure is a 500 page with an error id (its stack trace goes to the log only)."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from app.aggregates import errors
from app.http.console.session import PATH, expired_cookie
from app.http.problems import DOMAIN_SLUGS, EXCEPTION_HANDLERS, HTTP_SLUGS, TYPES

log = logging.getLogger("app.http.console")


def _described(exc: Exception) -> tuple[int, str, str]:
    """(status, title, detail) a person can read; nothing internal."""
    if isinstance(exc, errors.DomainError):
        slug = next(slug for kind, slug in DOMAIN_SLUGS if isinstance(exc, kind))
        return TYPES[slug].status, TYPES[slug].title, exc.detail
    if isinstance(exc, HTTPException) and exc.status_code in HTTP_SLUGS:
        kind = TYPES[HTTP_SLUGS[exc.status_code]]
        detail = (
            "this form has expired; reload the page and try again"
            if "CSRF" in str(exc.detail)
            else kind.explanation
        )
        return kind.status, kind.title, detail
    return 500, TYPES["internal-error"].title, TYPES["internal-error"].explanation


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, errors.Unauthenticated):
        target = urlencode({"next": request.url.path})
        return Redirect(f"{PATH}/login?{target}", cookies=[expired_cookie()])
    status, title, detail = _described(exc)
    error_id = None
    if status >= 500:
        error_id = uuid.uuid4().hex
        log.error(
            "unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc
        )
    return Template(
        "error.html",
        status_code=status,
        context={"status": status, "title": title, "detail": detail, "error_id": error_id},
    )


PAGE_ERRORS: dict[type[Exception] | int, Any] = dict.fromkeys(EXCEPTION_HANDLERS, error_page)
"""Every exception type the API maps to a problem, mapped to a page instead."""
