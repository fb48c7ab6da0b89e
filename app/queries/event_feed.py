"""What happened in an account, in global order, for pollers: `GET /events/`."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.envelope import stream_type_of
from app.database import Database
from app.eventstore import EventStore
from app.projections.event_feed import FEED
from app.queries.integration_history import HistoryEntry, entry_fields
from app.queries.pagination import check_limit


class FeedEvent(HistoryEntry, kw_only=True):
    position: int
    stream_id: str
    stream_type: str


class FeedPage(msgspec.Struct, kw_only=True):
    events: list[FeedEvent]
    next_after: int


def feed_events(events: EventStore, positions: list[int]) -> list[FeedEvent]:
    """The feed items for these positions, read from the store and redacted."""
    return [feed_event_of(n.id, events.decode(n)) for n in events.at(positions)]


def feed_event_of(position: int, event: Any) -> FeedEvent:
    return FeedEvent(
        position=position,
        stream_id=str(event.originator_id),
        stream_type=stream_type_of(event),
        **entry_fields(event),
    )


def event_feed(
    db: Database, events: EventStore, *, account_id: str, after: int = 0, limit: int = 100
) -> FeedPage:
    rows = db.all(
        f"SELECT position FROM {FEED} WHERE account_id = ? AND position > ?"
        " ORDER BY position LIMIT ?",
        (account_id, after, check_limit(limit)),
    )
    page = feed_events(events, [r["position"] for r in rows])
    return FeedPage(events=page, next_after=page[-1].position if page else after)
