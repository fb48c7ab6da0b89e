"""The claim on "one integration per site and platform". Its stream id is derived from the
pair, so two concurrent claims collide on the same stream version in the store."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from app.aggregates.base import EventSourced
from app.aggregates.errors import DuplicateIntegration

NAMESPACE = UUID("6f1c2a52-3f7e-4a7e-9a39-0d7f4b7d2c11")


class IntegrationSlot(EventSourced):
    TOPIC = "integration_slot"

    @staticmethod
    def create_id(site_id: str, platform: str) -> UUID:
        return uuid5(NAMESPACE, f"{site_id}/{platform}")

    class Created(EventSourced.Created):
        TOPIC = "integration_slot.claimed"
        site_id: str
        platform: str
        integration_id: str

    @event(Created)
    def __init__(self, *, site_id: str, platform: str, integration_id: str) -> None:
        self.site_id = site_id
        self.platform = platform
        self.holder: str | None = integration_id

    def claim(self, integration_id: str) -> None:
        if self.holder is not None:
            raise DuplicateIntegration(
                f"site {self.site_id} already has a {self.platform} integration ({self.holder})"
            )
        self._reclaimed(integration_id=integration_id)

    class Reclaimed(EventSourced.Event):
        TOPIC = "integration_slot.reclaimed"
        integration_id: str

    @event(Reclaimed)
    def _reclaimed(self, integration_id: str) -> None:
        self.holder = integration_id

    def release(self, integration_id: str) -> None:
        if self.holder == integration_id:
            self._released(integration_id=integration_id)

    class Released(EventSourced.Event):
        TOPIC = "integration_slot.released"
        integration_id: str

    @event(Released)
    def _released(self, integration_id: str) -> None:
        self.holder = None
