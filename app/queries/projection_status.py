"""Where each read model version and generation stands against the event store (CLI,
console, metrics, readiness)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from app.database import Database
from app.projection_engine import generations, quarantine
from app.projection_engine.generations import LIVE, RETIRED
from app.projection_engine.quarantine import Quarantined
from app.projection_engine.read_model import ReadModel


class Head(Protocol):
    def max_position(self) -> int: ...


class ReadModelPosition(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    version: int
    generation: int
    state: str
    """`live` (queries read it), `building` (catching up beside it) or `retired`."""
    current: bool
    """The version this process's code reads."""
    position: int
    lag: int

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version} g{self.generation}"


class ProjectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    head: int
    projections: list[ReadModelPosition]
    quarantined: list[Quarantined] = []
    """Events a read model set aside that nobody retried or skipped yet."""
    missing: list[str] = []
    """Read models of this code's versions with no live generation yet (being built)."""

    @property
    def max_lag(self) -> int:
        """How far behind the slowest live read model this code reads is."""
        return max((p.lag for p in self.projections if p.current and p.state == LIVE), default=0)


def projection_status(db: Database, events: Head, models: Sequence[ReadModel]) -> ProjectionStatus:
    """Positions are read before the head, so a lag is never under-reported."""
    rows = db.all("SELECT name, position FROM projection_tracking")
    positions = {str(row["name"]): int(row["position"]) for row in rows}
    head = events.max_position()
    current = {(m.name, m.version) for m in models}
    found = [g for g in generations.every(db) if g.state != RETIRED]
    live = {(g.name, g.version) for g in found if g.state == LIVE}
    return ProjectionStatus(
        head=head,
        quarantined=quarantine.entries(db),
        missing=[f"{m.name} v{m.version}" for m in models if (m.name, m.version) not in live],
        projections=[
            ReadModelPosition(
                name=g.name,
                version=g.version,
                generation=g.generation,
                state=g.state,
                current=(g.name, g.version) in current,
                position=positions.get(g.tracking, 0),
                lag=max(head - positions.get(g.tracking, 0), 0),
            )
            for g in found
        ],
    )
