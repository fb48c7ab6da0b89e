"""Opaque keyset cursors: the client hands back what we gave it, and cannot widen scope."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from app.aggregates.errors import FieldError, ValidationFailed

MAX_LIMIT = 200


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        key = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        key = None
    if not isinstance(key, list) or len(key) != arity:
        raise ValidationFailed([FieldError("cursor", "is not a cursor this endpoint issued")])
    return key


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed([FieldError("limit", f"must be between 1 and {MAX_LIMIT}")])
    return limit
