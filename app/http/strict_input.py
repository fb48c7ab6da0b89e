"""Every input is checked once, here at the edge, before a handler or a query sees it: path
ids, query parameters (strict spellings of booleans, numbers and times; no control
characters) and the body (JSON only, strict, see `strict_json`; none on body-less routes)."""

from __future__ import annotations

import re
import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import QueryParameter
from litestar.typing import FieldDefinition

from app.aggregates.bounds import LINE_CONTROL
from app.aggregates.errors import FieldError, NotFound, ValidationFailed
from app.http import strict_json
from app.http.bodies import ID_PATTERN

PATH_ID = re.compile(ID_PATTERN)
CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")
INTEGER = re.compile(r"^-?[0-9]{1,20}$")
NUMBER = re.compile(r"^-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?$")
DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
SPELLINGS: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"^(true|false)$"), "must be true or false"),
    int: (INTEGER, "must be a whole number"),
    float: (NUMBER, "must be a number"),
    datetime: (DATE_TIME, "must be an RFC 3339 date-time (2026-01-31T12:00:00Z)"),
}


async def strict_input(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Path, query and body: the first step of every route's guard (`app/http/guards.py`;
    webhooks check the body only once the sender is known)."""
    check_path(connection)
    check_query(connection, handler)
    await check_body(connection, handler)


def check_path(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """A path id that is not a UUID names nothing: 404, as for an unknown one."""
    for name, value in connection.path_params.items():
        if not isinstance(value, str):
            continue
        if name.endswith("_id") and not PATH_ID.match(value):
            raise NotFound(f"nothing in your account has this {name.replace('_', ' ')}")


def check_query(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Known parameters only, each at most once, spelled strictly, within its bounds."""
    declared = {
        name: field
        for name, field in handler.parsed_fn_signature.parameters.items()
        if isinstance(field.kwarg_definition, QueryParameter)
    }
    errors = []
    for name in dict.fromkeys(connection.query_params.keys()):
        values = connection.query_params.getall(name, [])
        field = declared.get(name)
        message = (
            "is not a query parameter of this operation"
            if field is None
            else "is given more than once"
            if len(values) > 1
            else _query_problem(field, values[0])
        )
        if message:
            errors.append(FieldError(name, message))
    if errors:
        raise ValidationFailed(errors[:20])


async def check_body(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """JSON of the route's declared type, strictly; a route without one takes no body."""
    data = handler.parsed_data_field
    if not _has_body(connection):
        return
    if data is None:
        raise FieldError("body", "this operation takes no request body")
    media = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HTTPException(
            status_code=415, detail="send the body as JSON with Content-Type: application/json"
        )
    body = await connection.body()  # type: ignore[attr-defined]
    if body:
        strict_json.convert(strict_json.decode(body), data.annotation)


def _query_problem(field: FieldDefinition, value: str) -> str | None:
    """Strict spelling first, then the declared type with its bounds (`Meta` ge, le, …)."""
    if LINE_CONTROL.search(value):
        return "must not contain control characters"
    for kind in _scalar_types(field.annotation):
        spelling = SPELLINGS.get(kind)
        if spelling and not spelling[0].match(value):
            return spelling[1]
    try:
        msgspec.convert(value, _declared(field), strict=False)
    except msgspec.ValidationError as exc:
        return strict_json.field_error(str(exc)).message
    return None


def _declared(field: FieldDefinition) -> Any:
    """The parameter's type with the bounds its `QueryParameter` documents, as msgspec
    checks them (ge, le, lengths, pattern)."""
    kinds = _scalar_types(field.annotation)
    limits = {name: getattr(field.kwarg_definition, name, None) for name in CONSTRAINTS}
    limits = {name: value for name, value in limits.items() if value is not None}
    if len(kinds) == 1 and limits:
        return Annotated[kinds[0], msgspec.Meta(**limits)]
    given = [arg for arg in get_args(field.annotation) if arg is not type(None)]
    if get_origin(field.annotation) in (Union, types.UnionType) and len(given) == 1:
        return given[0]  # a value that is given is never `null`
    return field.annotation


def _scalar_types(annotation: Any) -> list[type]:
    """The non-None types a query parameter may take (`int | None` gives `[int]`)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _scalar_types(arg)]
    if origin is Literal or annotation is type(None):
        return []
    if origin is not None and hasattr(annotation, "__metadata__"):
        return _scalar_types(get_args(annotation)[0])
    return [annotation] if isinstance(annotation, type) else []


def _has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = connection.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in connection.headers
