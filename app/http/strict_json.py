"""Strict JSON: UTF-8 only, every key once per object, no NaN or Infinity, bounded depth and
size, integers a database can hold, no control characters in text, and exact types (no
`0` for `false`). Litestar's own decoding is lax (it converts), so bodies pass here first."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from app.aggregates import bounds
from app.aggregates.errors import FieldError, ValidationFailed
from app.aggregates.rules import HTTP_URL_PATTERN
from app.http.bodies import UUID_PATTERN

MSGSPEC_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
NAMED_FIELD = re.compile(r"(unknown|missing required) field `([^`]+)`")
REGEX = re.compile(r"^Expected `str` matching regex (.*)$", re.DOTALL)
PATTERN_MESSAGES = {
    repr(pattern): message
    for pattern, message in (
        (HTTP_URL_PATTERN, "must be an absolute http(s) URL"),
        (bounds.SINGLE_LINE, "must not contain control characters"),
        (bounds.TEXT, "must not contain control characters other than tab, LF and CR"),
        (UUID_PATTERN, "must be a UUID"),
    )
}
"""What a pattern means, said instead of the pattern itself."""


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _Constant(Exception):
    pass


def decode(body: bytes) -> Any:
    """The JSON value of `body`, or `ValidationFailed` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=_unique, parse_constant=_refuse_constant, parse_float=_number
        )
    except UnicodeDecodeError:
        raise _invalid("body", "must be UTF-8 encoded JSON") from None
    except RecursionError:
        raise _invalid("body", f"is nested more than {bounds.MAX_DEPTH} levels deep") from None
    except _Duplicate as exc:
        raise _invalid(exc.key, "appears more than once in the same object") from None
    except _Constant:
        raise _invalid("body", "NaN and Infinity are not JSON numbers") from None
    except ValueError as exc:
        raise _invalid("body", f"is not valid JSON ({exc})") from None
    bounds.check(value, "", bounds.SAFE_INT)
    return value


def convert(value: Any, target: Any) -> Any:
    """`value` as `target`, strictly (no string-to-number or number-to-boolean coercion)."""
    try:
        return msgspec.convert(value, target, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationFailed([field_error(str(exc))]) from None


def field_error(message: str) -> FieldError:
    """A msgspec error message (`Expected ... - at `$.a.b``) as a field error."""
    found = MSGSPEC_PATH.match(message)
    text, path = (found["message"], found["path"] or "") if found else (message, "")
    field = path.lstrip(".")
    named = NAMED_FIELD.search(text)
    pattern = REGEX.search(text)
    if pattern and pattern[1] in PATTERN_MESSAGES:
        text = PATTERN_MESSAGES[pattern[1]]
    if named:
        field = f"{field}.{named[2]}" if field else named[2]
        text = "is not a known field" if named[1] == "unknown" else "is required"
    return FieldError(field or "body", text)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _number(text: str) -> float | int:
    """`7.0` is the integer 7, as JSON Schema has it."""
    number = float(text)
    return int(number) if number.is_integer() and abs(number) <= bounds.SAFE_INT else number


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field or "body", message)])
