"""Opaque keyset cursors: the client hands back what we gave it, and cannot widen scope."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from app.aggregates import bounds
from app.aggregates.errors import FieldError, ValidationFailed

MAX_LIMIT = 200


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str | None, *kinds: type) -> list[Any] | None:
    """The key a cursor holds, checked against the types (`str`, `int`) this endpoint puts
    in its cursors, so a forged one is a 400 and never reaches SQL."""
    if not cursor:
        return None
    try:
        key = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError, RecursionError):
        key = None
    if not _matches(key, kinds):
        raise ValidationFailed([FieldError("cursor", "is not a cursor this endpoint issued")])
    return list(key)


def _matches(key: Any, kinds: tuple[type, ...]) -> bool:
    if not isinstance(key, list) or len(key) != len(kinds):
        return False
    if not all(type(part) is kind for part, kind in zip(key, kinds, strict=True)):
        return False
    return not any(bounds.problems(key, "cursor"))


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed([FieldError("limit", f"must be between 1 and {MAX_LIMIT}")])
    return limit
