"""What every aggregate of the service shares: snapshots stored under a stable topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from app.aggregates import bounds


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
    """Base of the service's aggregates (each names its own explicit `TOPIC`). No event is
    created with a value a database or read model could not hold (`bounds`): whatever path
    reaches an aggregate, such input is a validation error before anything is recorded."""

    Snapshot = Snapshot

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        bounds.check_fields(kwargs)
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        bounds.check_fields(kwargs)
        super().trigger_event(event_class, **kwargs)
