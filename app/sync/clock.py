"""The time sync workers decide by (claims, leases, retries, schedules). Injected, so tests
can run minutes of schedule in a moment; event timestamps stay the wall clock's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from app.aggregates.time import iso


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def stamp(clock: Clock, seconds: float = 0.0) -> str:
    """The clock's time (plus `seconds`) as the RFC 3339 text runs and schedules store."""
    return iso(clock.now() + timedelta(seconds=seconds))
