"""How any stored event is shown outside the domain (the event feed, exports): its version,
topic, time, metadata and redacted data. The integration's timeline is `integration_timeline`."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.envelope import event_data, occurred_at, topic_of
from app.eventstore import metadata_of


class HistoryEntry(msgspec.Struct, kw_only=True):
    version: int
    type: str
    occurred_at: str
    actor: str
    request_id: str
    data: dict[str, Any]


def entry_fields(event: Any) -> dict[str, Any]:
    """How any stored event is shown: its version, topic, time, metadata and redacted data."""
    meta = metadata_of(event)
    return {
        "version": event.originator_version,
        "type": topic_of(event),
        "occurred_at": occurred_at(event),
        "actor": meta.actor,
        "request_id": meta.request_id,
        "data": event_data(event),
    }
