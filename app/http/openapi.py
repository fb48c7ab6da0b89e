"""OpenAPI helpers: every route documents the problem responses it can give."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from app.http.problems import PROBLEM_JSON, TYPES, Problem

STATUS_SLUG = {
    400: "validation-error", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
    409: "conflict", 412: "precondition-failed", 413: "payload-too-large",
    415: "unsupported-media-type", 422: "idempotency-key-reused", 429: "rate-limited",
    501: "not-supported",
    503: "service-unavailable",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem+json responses for these statuses (500 and 503 are always possible)."""
    return {
        status: ResponseSpec(
            data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
            description=TYPES[STATUS_SLUG.get(status, "internal-error")].explanation,
        )
        for status in (*statuses, 503)
    }


USER = (400, 401, 403, 429)
"""What any authenticated route can answer."""
