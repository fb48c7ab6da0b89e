"""What every aggregate of the service shares: snapshots stored under a stable topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic


class Snapshot(Aggregate.Snapshot):  # type: ignore[misc, valid-type]
    """Aggregate state at a version. The transcoder stores datetimes as text; the two the
    library keeps on every aggregate are turned back into datetimes here."""

    TOPIC = "snapshot"

    def mutate(self, _: None) -> Any:
        state = dict(self.state)
        for key in ("_created_on", "_modified_on"):
            if isinstance(state.get(key), str):
                state[key] = datetime.fromisoformat(state[key])
        object.__setattr__(self, "state", state)
        return super().mutate(_)


register_topic(Snapshot.TOPIC, Snapshot)


class EventSourced(Aggregate):
    """Base of the service's aggregates (each names its own explicit `TOPIC`)."""

    Snapshot = Snapshot
