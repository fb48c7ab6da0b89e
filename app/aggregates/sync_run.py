"""One sync run: requested, started, its progress, and how it ended.

Each run is its own stream, so an integration's stream (and its command latency) does not grow
with the pages and items its syncs move. Every event names its integration, so the events
map to log entries and counters without lookups."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from app.aggregates.base import EventSourced

DIRECTIONS = ("metadata", "from_external", "to_external", "both")
FINISHED = ("success", "failed", "abandoned")


class SyncRun(EventSourced):
    TOPIC = "sync_run"
    id: UUID  # the sync id, chosen by the command that requests the run

    class Created(EventSourced.Created):
        TOPIC = "sync.requested"
        integration_id: str
        direction: str
        content_types: list[str]
        items: list[dict[str, Any]]

    @event(Created)
    def __init__(
        self,
        *,
        integration_id: str,
        direction: str,
        content_types: list[str],
        items: list[dict[str, Any]],
    ) -> None:
        self.integration_id = integration_id
        self.direction = direction
        self.content_types = content_types
        self.items = items
        self.status = "pending"
        self.counts: dict[str, int] = {}
        self.error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def start(self) -> None:
        if self.status == "pending":
            self._started(integration_id=self.integration_id)

    class Started(EventSourced.Event):
        TOPIC = "sync.started"
        integration_id: str

    @event(Started)
    def _started(self, integration_id: str) -> None:
        self.status = "running"

    def record_progress(self, *, phase: str, counts: dict[str, int]) -> None:
        if self.status == "running":
            self._progressed(integration_id=self.integration_id, phase=phase, counts=counts)

    class Progressed(EventSourced.Event):
        TOPIC = "sync.progressed"
        integration_id: str
        phase: str
        counts: dict[str, int]

    @event(Progressed)
    def _progressed(self, integration_id: str, phase: str, counts: dict[str, int]) -> None:
        self.counts = counts

    def record_pulled(self, items: list[dict[str, Any]], counts: dict[str, int]) -> None:
        if self.status == "running":
            self._content_pulled(integration_id=self.integration_id, items=items, counts=counts)

    class ContentPulled(EventSourced.Event):
        TOPIC = "sync.content_pulled"
        integration_id: str
        items: list[dict[str, Any]]
        counts: dict[str, int]

    @event(ContentPulled)
    def _content_pulled(
        self, integration_id: str, items: list[dict[str, Any]], counts: dict[str, int]
    ) -> None:
        self.counts = counts

    def record_pushed(self, result: dict[str, Any], counts: dict[str, int]) -> None:
        if self.status == "running":
            self._content_pushed(integration_id=self.integration_id, result=result, counts=counts)

    class ContentPushed(EventSourced.Event):
        TOPIC = "sync.content_pushed"
        integration_id: str
        result: dict[str, Any]
        counts: dict[str, int]

    @event(ContentPushed)
    def _content_pushed(
        self, integration_id: str, result: dict[str, Any], counts: dict[str, int]
    ) -> None:
        self.counts = counts

    def complete(self, *, counts: dict[str, int], duration_ms: int) -> None:
        if self.status == "running":
            self._completed(
                integration_id=self.integration_id,
                direction=self.direction,
                counts=counts,
                duration_ms=duration_ms,
            )

    class Completed(EventSourced.Event):
        TOPIC = "sync.completed"
        integration_id: str
        direction: str
        counts: dict[str, int]
        duration_ms: int

    @event(Completed)
    def _completed(
        self, integration_id: str, direction: str, counts: dict[str, int], duration_ms: int
    ) -> None:
        self.status = "success"
        self.counts = counts

    def fail(self, *, error: str, counts: dict[str, int], duration_ms: int) -> None:
        if self.status == "running":
            self._failed(
                integration_id=self.integration_id,
                direction=self.direction,
                error=error,
                counts=counts,
                duration_ms=duration_ms,
            )

    class Failed(EventSourced.Event):
        TOPIC = "sync.failed"
        integration_id: str
        direction: str
        error: str
        counts: dict[str, int]
        duration_ms: int

    @event(Failed)
    def _failed(
        self,
        integration_id: str,
        direction: str,
        error: str,
        counts: dict[str, int],
        duration_ms: int,
    ) -> None:
        self.status = "failed"
        self.error = error
        self.counts = counts

    def abandon(self, reason: str) -> None:
        if not self.finished:
            self._abandoned(
                integration_id=self.integration_id, direction=self.direction, reason=reason
            )

    class Abandoned(EventSourced.Event):
        TOPIC = "sync.abandoned"
        integration_id: str
        direction: str
        reason: str

    @event(Abandoned)
    def _abandoned(self, integration_id: str, direction: str, reason: str) -> None:
        self.status = "abandoned"
        self.error = reason
