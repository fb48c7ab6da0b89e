"""What happened to an integration: its own events, oldest first, secrets redacted."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from app.aggregates.envelope import event_data, occurred_at, topic_of
from app.aggregates.errors import IntegrationNotFound
from app.database import Database
from app.eventstore import EventStore, metadata_of
from app.queries.integration_detail import summary_row
from app.queries.pagination import check_limit, decode_cursor, encode_cursor


class HistoryEntry(msgspec.Struct, kw_only=True):
    version: int
    type: str
    occurred_at: str
    actor: str
    request_id: str
    data: dict[str, Any]


class HistoryPage(msgspec.Struct, kw_only=True):
    integration_id: str
    results: list[HistoryEntry]
    next_cursor: str | None


def entry_fields(event: Any) -> dict[str, Any]:
    """How any stored event is shown: its version, topic, time, metadata and redacted data."""
    meta = metadata_of(event)
    return {"version": event.originator_version, "type": topic_of(event),
            "occurred_at": occurred_at(event), "actor": meta.actor,
            "request_id": meta.request_id, "data": event_data(event)}


def entry_of(event: Any) -> HistoryEntry:
    return HistoryEntry(**entry_fields(event))


def integration_history(
    events: EventStore, db: Database, *, account_id: str, integration_id: str,
    include_deleted: bool, limit: int = 50, cursor: str | None = None,
) -> HistoryPage:
    row = summary_row(db, account_id, integration_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        raise IntegrationNotFound()
    after = decode_cursor(cursor, int)
    page = events.stream(UUID(integration_id), int(after[0]) if after else 0,
                         check_limit(limit) + 1)
    more = len(page) > limit
    entries = [entry_of(e) for e in page[:limit]]
    return HistoryPage(integration_id=integration_id, results=entries,
                       next_cursor=encode_cursor(entries[-1].version) if more else None)
