"""One sync run: requested, claimed by a worker, its progress, and how it ended.

Each run is its own stream, so an integration's stream (and its command latency) does not grow
with the pages and items its syncs move. Every event names its integration, so the events
map to log entries and counters without lookups.

A worker executes a run only after appending `sync.claimed` at the run's current version:
two workers claiming at once collide in the store and one wins. A claim lasts until
`lease_until`; progress events carry a later `lease_until` (heartbeats) and the checkpoint
reached, so a run whose worker died is claimed again and resumed from its checkpoint.
Times are RFC 3339 strings from the service's clock (text order is time order)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from app.aggregates.base import EventSourced

DIRECTIONS = ("metadata", "from_external", "to_external", "both", "reconcile")
FINISHED = ("success", "failed", "abandoned", "cancelled")


def _v1_progress(state: dict[str, Any]) -> None:
    """Progress events before leases carried neither a lease nor a checkpoint."""
    state["lease_until"] = None
    state["checkpoint"] = None


class SyncRun(EventSourced):
    TOPIC = "sync_run"
    id: UUID  # the sync id, chosen by the command that requests the run
    # Defaults for state added after the first release (snapshots taken before lack it).
    attempt: int = 1
    next_retry_at: str | None = None
    claim_id: str | None = None
    lease_until: str | None = None
    claims: int = 0
    checkpoint: dict[str, Any] | None = None
    cancel_requested: bool = False

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

    def claimable(self, now: str) -> bool:
        """Pending (and its retry due), or running on a lease that ran out."""
        if self.status == "pending":
            return self.next_retry_at is None or self.next_retry_at <= now
        return self.status == "running" and self.lease_until is not None and self.lease_until < now

    def claim(self, *, claim_id: str, worker: str, now: str, lease_until: str) -> bool:
        """Take the run for `lease_until`; False when it is not claimable now."""
        if not self.claimable(now):
            return False
        if self.claims == 0 and self.status == "pending":
            self._started(integration_id=self.integration_id)
        self._claimed(
            integration_id=self.integration_id,
            claim_id=claim_id,
            worker=worker,
            attempt=self.attempt,
            lease_until=lease_until,
        )
        return True

    def holds(self, claim_id: str) -> bool:
        return self.status == "running" and self.claim_id == claim_id

    class Started(EventSourced.Event):
        TOPIC = "sync.started"
        integration_id: str

    @event(Started)
    def _started(self, integration_id: str) -> None:
        self.status = "running"

    class Claimed(EventSourced.Event):
        TOPIC = "sync.claimed"
        integration_id: str
        claim_id: str
        worker: str
        attempt: int
        lease_until: str

    @event(Claimed)
    def _claimed(
        self, integration_id: str, claim_id: str, worker: str, attempt: int, lease_until: str
    ) -> None:
        self.status = "running"
        self.claim_id, self.lease_until = claim_id, lease_until
        self.claims += 1
        self.next_retry_at = None

    def release(self) -> None:
        """The worker stops (its process is shutting down): any worker may claim the run now
        and resume it from its checkpoint."""
        if self.status == "running":
            self._released(integration_id=self.integration_id)

    class Released(EventSourced.Event):
        TOPIC = "sync.released"
        integration_id: str

    @event(Released)
    def _released(self, integration_id: str) -> None:
        self.claim_id = None
        self.lease_until = ""  # run out: claimable at once

    def extend_lease(self, lease_until: str) -> None:
        if self.status == "running":
            self._lease_extended(integration_id=self.integration_id, lease_until=lease_until)

    class LeaseExtended(EventSourced.Event):
        TOPIC = "sync.lease_extended"
        integration_id: str
        lease_until: str

    @event(LeaseExtended)
    def _lease_extended(self, integration_id: str, lease_until: str) -> None:
        self.lease_until = lease_until

    def record_progress(
        self,
        *,
        phase: str,
        counts: dict[str, int],
        lease_until: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        if self.status == "running":
            self._progressed(
                integration_id=self.integration_id,
                phase=phase,
                counts=counts,
                lease_until=lease_until,
                checkpoint=checkpoint,
            )

    class Progressed(EventSourced.Event):
        """v2 added `lease_until` and `checkpoint`."""

        TOPIC = "sync.progressed"
        class_version = 2
        integration_id: str
        phase: str
        counts: dict[str, int]
        lease_until: str | None
        checkpoint: dict[str, Any] | None
        upcast_v1_v2 = staticmethod(_v1_progress)

    @event(Progressed)
    def _progressed(
        self,
        integration_id: str,
        phase: str,
        counts: dict[str, int],
        lease_until: str | None,
        checkpoint: dict[str, Any] | None,
    ) -> None:
        self._moved(counts, lease_until, checkpoint)

    def record_pulled(
        self,
        items: list[dict[str, Any]],
        counts: dict[str, int],
        lease_until: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        if self.status == "running":
            self._content_pulled(
                integration_id=self.integration_id,
                items=items,
                counts=counts,
                lease_until=lease_until,
                checkpoint=checkpoint,
            )

    class ContentPulled(EventSourced.Event):
        """v2 added `lease_until` and `checkpoint`."""

        TOPIC = "sync.content_pulled"
        class_version = 2
        integration_id: str
        items: list[dict[str, Any]]
        counts: dict[str, int]
        lease_until: str | None
        checkpoint: dict[str, Any] | None
        upcast_v1_v2 = staticmethod(_v1_progress)

    @event(ContentPulled)
    def _content_pulled(
        self,
        integration_id: str,
        items: list[dict[str, Any]],
        counts: dict[str, int],
        lease_until: str | None,
        checkpoint: dict[str, Any] | None,
    ) -> None:
        self._moved(counts, lease_until, checkpoint)

    def record_pushed(
        self,
        result: dict[str, Any],
        counts: dict[str, int],
        lease_until: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        if self.status == "running":
            self._content_pushed(
                integration_id=self.integration_id,
                result=result,
                counts=counts,
                lease_until=lease_until,
                checkpoint=checkpoint,
            )

    class ContentPushed(EventSourced.Event):
        """v2 added `lease_until` and `checkpoint`."""

        TOPIC = "sync.content_pushed"
        class_version = 2
        integration_id: str
        result: dict[str, Any]
        counts: dict[str, int]
        lease_until: str | None
        checkpoint: dict[str, Any] | None
        upcast_v1_v2 = staticmethod(_v1_progress)

    @event(ContentPushed)
    def _content_pushed(
        self,
        integration_id: str,
        result: dict[str, Any],
        counts: dict[str, int],
        lease_until: str | None,
        checkpoint: dict[str, Any] | None,
    ) -> None:
        self._moved(counts, lease_until, checkpoint)

    def record_deleted(
        self,
        items: list[dict[str, Any]],
        counts: dict[str, int],
        lease_until: str,
        checkpoint: dict[str, Any],
    ) -> None:
        """Posts a reconciliation found trashed or deleted on the platform."""
        if self.status == "running":
            self._content_deleted(
                integration_id=self.integration_id,
                items=items,
                counts=counts,
                lease_until=lease_until,
                checkpoint=checkpoint,
            )

    class ContentDeleted(EventSourced.Event):
        TOPIC = "sync.content_deleted"
        integration_id: str
        items: list[dict[str, Any]]
        """`{external_id, post_type, status}`, status `trash` or `deleted`."""
        counts: dict[str, int]
        lease_until: str
        checkpoint: dict[str, Any]

    @event(ContentDeleted)
    def _content_deleted(
        self,
        integration_id: str,
        items: list[dict[str, Any]],
        counts: dict[str, int],
        lease_until: str,
        checkpoint: dict[str, Any],
    ) -> None:
        self._moved(counts, lease_until, checkpoint)

    def _moved(
        self, counts: dict[str, int], lease_until: str | None, checkpoint: dict[str, Any] | None
    ) -> None:
        self.counts = counts
        if lease_until is not None:
            self.lease_until = lease_until
        if checkpoint is not None:
            self.checkpoint = checkpoint

    # -- endings, retries, cancellation -----------------------------------------------

    def schedule_retry(self, *, error: str, next_retry_at: str) -> None:
        """Release the claim; the run is claimable again from `next_retry_at`."""
        if self.status == "running":
            self._retry_scheduled(
                integration_id=self.integration_id,
                attempt=self.attempt,
                error=error,
                next_retry_at=next_retry_at,
            )

    class RetryScheduled(EventSourced.Event):
        TOPIC = "sync.retry_scheduled"
        integration_id: str
        attempt: int
        """The attempt that failed."""
        error: str
        next_retry_at: str

    @event(RetryScheduled)
    def _retry_scheduled(
        self, integration_id: str, attempt: int, error: str, next_retry_at: str
    ) -> None:
        self.status = "pending"
        self.attempt = attempt + 1
        self.next_retry_at = next_retry_at
        self.claim_id = self.lease_until = None
        self.error = error

    def request_cancel(self) -> None:
        if not self.finished and not self.cancel_requested:
            self._cancel_requested(integration_id=self.integration_id)

    class CancelRequested(EventSourced.Event):
        TOPIC = "sync.cancel_requested"
        integration_id: str

    @event(CancelRequested)
    def _cancel_requested(self, integration_id: str) -> None:
        self.cancel_requested = True

    def cancel(self) -> None:
        if not self.finished:
            self._cancelled(
                integration_id=self.integration_id, direction=self.direction, counts=self.counts
            )

    class Cancelled(EventSourced.Event):
        TOPIC = "sync.cancelled"
        integration_id: str
        direction: str
        counts: dict[str, int]

    @event(Cancelled)
    def _cancelled(self, integration_id: str, direction: str, counts: dict[str, int]) -> None:
        self.status = "cancelled"
        self.claim_id = self.lease_until = None

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
