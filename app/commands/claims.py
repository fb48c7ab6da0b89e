"""A request's claim on its `Idempotency-Key`: saved with the first events the command saves,
in the same transaction, so the store settles which of two concurrent requests took effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from app.aggregates.idempotency import IdempotencyRecord
from app.eventstore import Statement


class KeyAlreadyClaimed(Exception):
    """Another request with the same key took effect first; answer from its record."""


@dataclass
class Claim:
    build: Callable[[], IdempotencyRecord]
    """A fresh claim (a failed save consumes an aggregate's pending events)."""
    record_id: UUID
    loaded_version: int
    """The record's version when this request looked (0: no record yet)."""
    statements: list[Statement] = field(default_factory=list)
    record: IdempotencyRecord | None = None
    """The claim as saved."""

    @property
    def saved(self) -> bool:
        return self.record is not None
