"""What command handlers return: the aggregate as saved and where its events landed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

A = TypeVar("A")


@dataclass(frozen=True)
class Saved(Generic[A]):
    aggregate: A
    position: int
    """Global position of the last event written (0 when nothing changed)."""
