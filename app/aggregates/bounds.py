"""The limits every stored value must respect so that every database and read table can hold
it: integers within signed 64 bits (BIGINT), text without NUL and other control characters
(PostgreSQL text refuses NUL), valid Unicode, and free-form JSON of bounded depth and size.

The edge refuses such input with a 400; aggregates check the same bounds before they record
an event (so no path can store what a read model cannot apply); values from platforms are
cleaned with `clean_json` before they reach either."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from app.aggregates.errors import FieldError, ValidationFailed

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1
SAFE_INT = 2**53 - 1
"""The edge's bound for integers (and numbers): every JSON client reads them exactly."""
MAX_DEPTH = 32
"""Nesting levels of free-form JSON (objects and arrays)."""
MAX_NODES = 100_000
"""Values in one free-form JSON document (a 64 KiB body holds far fewer)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters with no meaning in any text we keep (tab, LF and CR are allowed)."""
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
"""Pattern for text that may span lines (`CONTROL` refused)."""
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
"""Pattern for one-line fields (names, ids, slugs): no control characters at all."""


def problems(value: Any, field: str, limit: int = INT64_MAX) -> Iterator[FieldError]:
    """Every value in `value` (recursively) that a database or read table could not hold
    (numbers beyond ±`limit` included)."""
    stack: list[tuple[str, Any, int]] = [(field, value, 0)]
    nodes = 0
    while stack:
        path, item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            yield FieldError(field, f"holds more than {MAX_NODES} values")
            return
        if isinstance(item, Mapping | list | tuple) and depth >= MAX_DEPTH:
            yield FieldError(path, f"is nested more than {MAX_DEPTH} levels deep")
        elif isinstance(item, Mapping):
            for key, child in item.items():
                yield from _text_problems(f"{path}.{key}" if path else str(key), key, "key")
                stack.append((f"{path}.{key}" if path else str(key), child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{n}]", child, depth + 1) for n, child in enumerate(item))
        else:
            yield from _scalar_problems(path, item, limit)


def check(value: Any, field: str, limit: int = INT64_MAX) -> None:
    """Raise `ValidationFailed` naming every value that could not be stored."""
    found = list(problems(value, field, limit))
    if found:
        raise ValidationFailed(found[:20])


def check_fields(fields: Mapping[str, Any]) -> None:
    """Check an event's fields (each named by its own name)."""
    found = [problem for name, value in fields.items() for problem in problems(value, name)]
    if found:
        raise ValidationFailed(found[:20])


def clean_json(value: Any, depth: int = 0) -> Any:
    """A copy of remote JSON that can be stored: control characters and broken surrogates
    stripped from text, out-of-range numbers and over-deep structures dropped (None)."""
    if isinstance(value, Mapping | list) and depth >= MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v, depth + 1) for v in value]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float):
        return value if math.isfinite(value) and INT64_MIN <= value <= INT64_MAX else None
    return None


def clean_text(text: str) -> str:
    """`text` without control characters (except tab, LF, CR) or unpaired surrogates."""
    text = CONTROL.sub("", text)
    return text if _encodes(text) else text.encode("utf-8", "ignore").decode("utf-8")


def in_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def _scalar_problems(path: str, item: Any, limit: int) -> Iterator[FieldError]:
    if isinstance(item, str):
        yield from _text_problems(path, item, "text")
    elif isinstance(item, bool) or item is None:
        return
    elif isinstance(item, int | float) and not (math.isfinite(item) and -limit <= item <= limit):
        yield FieldError(path, f"must be a finite number between {-limit} and {limit}")


def _text_problems(path: str, text: Any, what: str) -> Iterator[FieldError]:
    if not isinstance(text, str):
        yield FieldError(path, f"{what} must be a string")
    elif CONTROL.search(text):
        yield FieldError(path, f"{what} must not contain NUL or other control characters")
    elif not _encodes(text):
        yield FieldError(path, f"{what} must be valid Unicode (no unpaired surrogates)")


def _encodes(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
