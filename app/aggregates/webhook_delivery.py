"""One WordPress webhook delivery, accepted once.

The stream id is derived from (integration, delivery id), so a second delivery with the same
id collides with the first on stream version 1 in the store: duplicates are refused by the
store itself, also when they arrive at the same moment. Streams are never deleted, so delivery
ids are remembered for as long as the event store keeps events."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from app.aggregates.base import EventSourced

NAMESPACE = UUID("3d0c8e6a-8f0e-4a43-9b8e-5f2b1c7d9a64")


class WebhookDelivery(EventSourced):
    TOPIC = "webhook_delivery"

    @staticmethod
    def create_id(integration_id: str, delivery_id: str) -> UUID:
        return uuid5(NAMESPACE, f"{integration_id}/{delivery_id}")

    class Created(EventSourced.Created):
        TOPIC = "integration.webhook_received"
        integration_id: str
        site_id: str
        delivery_id: str
        kind: str
        post_id: int
        content_id: str | None
        status: str | None
        post_type: str | None
        url: str | None
        title: str | None
        modified_at: str | None
        metadata: dict[str, Any] | None

    @event(Created)
    def __init__(
        self,
        *,
        integration_id: str,
        site_id: str,
        delivery_id: str,
        kind: str,
        post_id: int,
        content_id: str | None,
        status: str | None,
        post_type: str | None,
        url: str | None,
        title: str | None,
        modified_at: str | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        self.integration_id = integration_id
        self.site_id = site_id
        self.delivery_id = delivery_id
        self.kind = kind
        self.post_id = post_id
        self.content_id = content_id
        self.status = status
