"""How far each read model has got behind the event store (CLI, console, metrics, readiness)."""

from __future__ import annotations

from typing import Protocol

import msgspec

from app.projection_engine.quarantine import Quarantined


class Positions(Protocol):
    def read_positions(self) -> dict[str, int]: ...

    def quarantined(self) -> list[Quarantined]: ...


class Head(Protocol):
    def max_position(self) -> int: ...


class ReadModelPosition(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    position: int
    lag: int


class ProjectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    head: int
    projections: list[ReadModelPosition]
    quarantined: list[Quarantined] = []
    """Events a read model set aside that nobody retried or skipped yet."""

    @property
    def max_lag(self) -> int:
        return max((p.lag for p in self.projections), default=0)


def projection_status(runner: Positions, events: Head) -> ProjectionStatus:
    """Positions are read before the head, so a lag is never under-reported."""
    positions = runner.read_positions()
    head = events.max_position()
    return ProjectionStatus(head=head, projections=[
        ReadModelPosition(name=name, position=position, lag=max(head - position, 0))
        for name, position in positions.items()], quarantined=runner.quarantined())
