"""OpenAPI helpers: every route documents the problem responses it can give."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.datastructures import ResponseSpec

from app.aggregates.bounds import SAFE_INT, TEXT
from app.http import body_rules
from app.http.bodies import Strict
from app.http.problems import PROBLEM_JSON, TYPES, Problem

STATUS_SLUG = {
    400: "validation-error",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "idempotency-key-reused",
    429: "rate-limited",
    501: "not-supported",
    503: "service-unavailable",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem+json responses for these statuses (500 and 503 are always possible)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            generate_examples=False,
            description=TYPES[STATUS_SLUG.get(status, "internal-error")].explanation,
        )
        for status in (*statuses, 503)
    }


USER = (400, 401, 403, 429)
"""What any authenticated route can answer."""


JSON_VALUE = {"$ref": "#/components/schemas/JsonValue"}
JSON_OBJECT = {
    "type": "object",
    "additionalProperties": JSON_VALUE,
    "propertyNames": {"pattern": TEXT},
    "description": "Free-form JSON: at most 32 levels deep, no control characters "
    "but tab, LF and CR, numbers within ±(2^53 - 1).",
}


def refine(app: Litestar) -> None:
    """Describe request bodies as msgspec validates them (exact bounds, patterns, no unknown
    fields; Litestar's own rendering drops some), with free-form JSON bounded (`JsonValue`)."""
    spec = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()  # the dict that is served
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    _, components = msgspec.json.schema_components(
        _subclasses(Strict), ref_template="#/components/schemas/{name}"
    )
    schemas.update({name: _bounded(schema) for name, schema in components.items()})
    body_rules.create_integration(schemas["CreateIntegrationBody"])
    body_rules.update_integration(schemas["UpdateIntegrationBody"])
    body_rules.sync(schemas["SyncBody"])
    body_rules.schedule(schemas["ScheduleBody"])
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                parameter["schema"] = _not_null(parameter.get("schema", {}))
    schemas["JsonValue"] = {
        "anyOf": [
            {"type": "string", "pattern": TEXT},
            {"type": "number", "minimum": -SAFE_INT, "maximum": SAFE_INT},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": JSON_VALUE},
            JSON_OBJECT,
        ]
    }


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter is absent, never `null` (Litestar offers `null` as a value)."""
    options = schema.get("oneOf") or []
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) != 1 or len(options) != 2:
        return schema
    rest = {key: value for key, value in schema.items() if key != "oneOf"}
    return {**kept[0], **rest}


def _bounded(schema: Any) -> Any:
    """`schema` with every untyped object (a `dict[str, Any]`) replaced by `JSON_OBJECT`."""
    if schema == {"type": "object"}:
        return JSON_OBJECT
    if isinstance(schema, dict):
        return {key: _bounded(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_bounded(value) for value in schema]
    return schema


def _subclasses(kind: type) -> list[type]:
    direct: list[type] = kind.__subclasses__()
    return [sub for child in direct for sub in (child, *_subclasses(child))]
