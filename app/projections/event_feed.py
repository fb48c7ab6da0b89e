"""EventFeed: every event under the account that owns its stream, for `GET /events/`.

Positions are global (shared by all accounts) and may have gaps; a feed for one account is
its rows in position order."""

from __future__ import annotations

from typing import Any

from app.aggregates.envelope import event_data, occurred_at, stream_type_of, topic_of
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.database import Tx, json_text
from app.eventstore import metadata_of
from app.projections.base import Projection

OWNED_BY_ACCOUNT = (Integration.Created, Site.Created)


class EventFeed(Projection):
    name = "event_feed"
    tables = {"event_feed": "position", "feed_streams": "stream_id"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {feed_streams} ("
        " stream_id TEXT PRIMARY KEY, account_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {event_feed} ("
        " position BIGINT PRIMARY KEY, account_id TEXT NOT NULL, stream_id TEXT NOT NULL,"
        " stream_type TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,"
        " occurred_at TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT NOT NULL,"
        " data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {event_feed}_by_account ON {event_feed} (account_id, position)",
        "CREATE INDEX IF NOT EXISTS {event_feed}_by_stream ON {event_feed} (stream_id, version)",
    )

    def apply(self, event: Any, tx: Tx, position: int) -> None:
        stream_id = str(event.originator_id)
        self._register_stream(event, stream_id, tx)
        meta = metadata_of(event)
        tx.execute(
            f"INSERT INTO {self.t['event_feed']}"
            " SELECT ?, account_id, ?, ?, ?, ?, ?, ?, ?, ?"
            f" FROM {self.t['feed_streams']} WHERE stream_id = ?",
            (position, stream_id, stream_type_of(event), event.originator_version,
             topic_of(event), occurred_at(event), meta.actor, meta.request_id,
             json_text(event_data(event)), stream_id),
        )

    def _register_stream(self, event: Any, stream_id: str, tx: Tx) -> None:
        streams = self.t["feed_streams"]
        if isinstance(event, OWNED_BY_ACCOUNT):
            tx.execute(f"INSERT INTO {streams} VALUES (?, ?)", (stream_id, event.account_id))
            return
        parent = _parent_stream(event)
        if parent is not None:
            tx.execute(
                f"INSERT INTO {streams} SELECT ?, account_id FROM {streams} WHERE stream_id = ?"
                " ON CONFLICT (stream_id) DO NOTHING",
                (stream_id, parent),
            )


def _parent_stream(event: Any) -> str | None:
    """The stream whose account a new child stream belongs to."""
    if isinstance(event, IntegrationSlot.Created):
        return str(event.site_id)
    if getattr(event, "originator_version", 0) == 1 and hasattr(event, "integration_id"):
        return str(event.integration_id)
    return None
