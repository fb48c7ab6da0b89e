"""IntegrationTimeline: every event that belongs to an integration (its own stream, its sync
runs, its webhook deliveries, its slot, its health issues), one row per event in global
order, for `history/`.

Rows hold the whole entry with its data redacted, so a page of the timeline is one statement
and never touches the event store (the one-line summary is made from the data when read)."""

from __future__ import annotations

from typing import Any

from app.aggregates.envelope import event_data, occurred_at, stream_type_of, topic_of
from app.aggregates.health_issues import HealthIssues
from app.aggregates.integration import Integration
from app.aggregates.slot import IntegrationSlot
from app.aggregates.sync_run import SyncRun
from app.aggregates.webhook_delivery import WebhookDelivery
from app.database import json_text
from app.eventstore import metadata_of
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

SOURCES: dict[type, str] = {
    Integration.Event: "integration",
    SyncRun.Event: "sync",
    WebhookDelivery.Event: "webhook",
    IntegrationSlot.Event: "integration_slot",
    HealthIssues.Event: "health",
}
"""The kind of stream an entry comes from, named as the `type` filter's prefixes (`sync.`)."""
TIMELINE = Table(
    "integration_timeline",
    columns={
        "integration_id": "TEXT NOT NULL",
        "position": "BIGINT NOT NULL",
        "source": "TEXT NOT NULL",
        "stream_id": "TEXT NOT NULL",
        "stream_type": "TEXT NOT NULL",
        "version": "INTEGER NOT NULL",
        "type": "TEXT NOT NULL",
        "occurred_at": "TEXT NOT NULL",
        "actor": "TEXT NOT NULL",
        "request_id": "TEXT NOT NULL",
        "data": "TEXT NOT NULL",
    },
    key=("integration_id", "position"),
    indexes=(("integration_id", "type", "position"), ("integration_id", "source", "position")),
    append_only=True,
)


def integration_of(event: Any) -> str:
    """Its own stream's id for the integration's events; the one it names for the others."""
    if isinstance(event, Integration.Event):
        return str(event.originator_id)
    return str(event.integration_id)


def source_of(event: Any) -> str:
    return next(name for kind, name in SOURCES.items() if isinstance(event, kind))


class IntegrationTimeline(ReadModel):
    name = "integration_timeline"
    tables = (TIMELINE,)

    @on(*SOURCES)
    def _entry(self, event: Any, changes: Changeset, position: int) -> None:
        data, meta, kind = event_data(event), metadata_of(event), topic_of(event)
        changes.append(
            TIMELINE,
            integration_id=integration_of(event),
            position=position,
            source=source_of(event),
            stream_id=str(event.originator_id),
            stream_type=stream_type_of(event),
            version=event.originator_version,
            type=kind,
            occurred_at=occurred_at(event),
            actor=meta.actor,
            request_id=meta.request_id,
            data=json_text(data),
        )
