"""What happened in an account, in global order, for pollers: `GET /events/`."""

from __future__ import annotations

from typing import Any

import msgspec

from app.database import Database, Row
from app.queries.pagination import check_limit


class FeedEvent(msgspec.Struct, kw_only=True):
    position: int
    stream_id: str
    stream_type: str
    version: int
    type: str
    occurred_at: str
    actor: str
    request_id: str
    data: dict[str, Any]


class FeedPage(msgspec.Struct, kw_only=True):
    events: list[FeedEvent]
    next_after: int


def feed_event_of_row(row: Row) -> FeedEvent:
    return FeedEvent(position=row["position"], stream_id=row["stream_id"],
                     stream_type=row["stream_type"], version=row["version"], type=row["type"],
                     occurred_at=row["occurred_at"], actor=row["actor"],
                     request_id=row["request_id"], data=msgspec.json.decode(row["data"]))


def event_feed(db: Database, *, account_id: str, after: int = 0, limit: int = 100) -> FeedPage:
    rows = db.all(
        "SELECT * FROM event_feed WHERE account_id = ? AND position > ?"
        " ORDER BY position LIMIT ?",
        (account_id, after, check_limit(limit)),
    )
    events = [feed_event_of_row(r) for r in rows]
    return FeedPage(events=events, next_after=events[-1].position if events else after)
