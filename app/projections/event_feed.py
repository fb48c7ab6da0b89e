"""EventFeed: an index of every event under the account that owns its stream, for
`GET /events/`, account exports and `as_of` time travel.

Rows point into the event store (position, stream, version, time); the feed reads each page's
events from the store and redacts them then, so the index stays small and cheap to rebuild.
Positions are global (shared by all accounts) and may have gaps."""

from __future__ import annotations

from typing import Any

from app.aggregates.base import EventSourced
from app.aggregates.envelope import occurred_at
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

OWNED_BY_ACCOUNT = (Integration.Created, Site.Created)
STREAMS = Table(
    "feed_streams",
    columns={"stream_id": "TEXT NOT NULL", "account_id": "TEXT NOT NULL"},
    key=("stream_id",),
)
FEED = Table(
    "event_feed",
    columns={
        "position": "BIGINT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "stream_id": "TEXT NOT NULL",
        "version": "INTEGER NOT NULL",
        "occurred_at": "TEXT NOT NULL",
    },
    key=("position",),
    indexes=(("account_id", "position"), ("stream_id", "version")),
    append_only=True,
)


class EventFeed(ReadModel):
    name = "event_feed"
    tables = (STREAMS, FEED)

    @on(EventSourced.Event)
    def _any(self, event: Any, changes: Changeset, position: int) -> None:
        stream_id = str(event.originator_id)
        account_id = self._account_of(event, stream_id, changes)
        if account_id is not None:
            changes.append(
                FEED,
                position=position,
                account_id=account_id,
                stream_id=stream_id,
                version=event.originator_version,
                occurred_at=occurred_at(event),
            )

    def _account_of(self, event: Any, stream_id: str, changes: Changeset) -> str | None:
        """The stream's account, registering new streams (child streams take their parent's)."""
        if isinstance(event, OWNED_BY_ACCOUNT):
            return str(
                changes.put(STREAMS, stream_id=stream_id, account_id=event.account_id)["account_id"]
            )
        new = event.originator_version == EventSourced.INITIAL_VERSION  # nobody registered it
        known = None if new else changes.row(STREAMS, stream_id)
        if known is not None:
            return str(known["account_id"])
        parent_id = _parent_stream(event)
        parent = changes.row(STREAMS, parent_id) if parent_id else None
        if parent is None:
            return None
        return str(
            changes.put(STREAMS, stream_id=stream_id, account_id=parent["account_id"])["account_id"]
        )


def _parent_stream(event: Any) -> str | None:
    """The stream whose account a new child stream belongs to."""
    if isinstance(event, IntegrationSlot.Created):
        return str(event.site_id)
    if getattr(event, "originator_version", 0) == 1 and hasattr(event, "integration_id"):
        return str(event.integration_id)
    return None
