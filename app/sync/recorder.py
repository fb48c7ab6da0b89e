"""Records a claimed run's progress and outcome as events: short commands (load, decide,
save) made after the platform was asked, never around the asking.

Every write reloads the run and checks the claim is still this worker's (a worker whose lease
ran out and whose run was taken over stops: `RunStopped`); after recording, it stops the run
there if someone asked to cancel (`RunCancelled`) or this worker is shutting down
(`RunInterrupted`: the run is released to other workers). Every progress event carries a new
lease: progress is the heartbeat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app import metrics
from app.aggregates.errors import IntegrationNotFound, NotFound
from app.aggregates.health_issues import HealthIssues
from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.health_issues import changed, issues_of
from app.commands.store import Store
from app.platforms import ContentItem, ShopInfo
from app.sync.checkpoint import Checkpoint
from app.sync.clock import Clock, stamp


class RunStopped(Exception):
    """The run is no longer this worker's (taken over, abandoned, or ended)."""


class RunCancelled(Exception):
    """Someone asked to cancel the run; it stops at this checkpoint."""


class RunInterrupted(Exception):
    """This worker is stopping; the run is released at this checkpoint."""


class RunRecorder:
    def __init__(
        self,
        store: Store,
        ctx: Context,
        sync_id: str,
        claim_id: str | None,
        clock: Clock,
        lease: float,
        pause_after: int = 0,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store, self.ctx, self.sync_id, self.claim_id = store, ctx, sync_id, claim_id
        self.clock, self.lease, self.pause_after = clock, lease, pause_after
        self.stopping = stopping

    def structure(self, content_types: dict[str, Any]) -> None:
        self._integration(lambda i: i.update_structure(content_types=content_types, source="sync"))

    def shop(self, shop: ShopInfo) -> None:
        self._integration(
            lambda i: i.record_shop(name=shop.name, domain=shop.domain, currency=shop.currency)
        )

    def pulled(self, items: list[ContentItem], cp: Checkpoint) -> None:
        self._run(
            lambda run, lease: run.record_pulled(
                msgspec.to_builtins(items), cp.counts, lease, cp.as_dict()
            )
        )

    def pushed(self, result: dict[str, Any], cp: Checkpoint) -> None:
        self._run(lambda run, lease: run.record_pushed(result, cp.counts, lease, cp.as_dict()))

    def deleted(self, items: list[dict[str, Any]], cp: Checkpoint) -> None:
        self._run(lambda run, lease: run.record_deleted(items, cp.counts, lease, cp.as_dict()))

    def reached(self, cp: Checkpoint) -> None:
        self._run(
            lambda run, lease: run.record_progress(
                phase=cp.phase(run.direction),
                counts=cp.counts,
                lease_until=lease,
                checkpoint=cp.as_dict(),
            )
        )

    def heartbeat(self) -> None:
        self._run(lambda run, lease: run.extend_lease(lease), cancellable=False)

    def complete(self, counts: dict[str, int], duration_ms: int, watermark: str | None) -> None:
        self._finish(
            lambda run: run.complete(counts=counts, duration_ms=duration_ms),
            "success",
            None,
            duration_ms,
            watermark=watermark,
        )

    def fail(
        self,
        error: str,
        counts: dict[str, int],
        duration_ms: int,
        credentials_rejected: bool = False,
    ) -> None:
        self._finish(
            lambda run: run.fail(error=error, counts=counts, duration_ms=duration_ms),
            "failed",
            error,
            duration_ms,
            credentials_rejected=credentials_rejected,
        )

    def retry(self, error: str, next_retry_at: str) -> None:
        """Release the run until `next_retry_at` (the integration stays busy with it)."""
        self._run(
            lambda run, lease: run.schedule_retry(error=error, next_retry_at=next_retry_at),
            cancellable=False,
        )

    def release(self) -> None:
        self._run(lambda run, lease: run.release(), cancellable=False)

    def cancel(self) -> None:
        self._finish(lambda run: run.cancel(), "cancelled", None, None)

    def abandon(self, reason: str) -> None:
        self._finish(lambda run: run.abandon(reason), "abandoned", reason, None)

    def _issues_after(
        self, integration: Integration, outcome: str, error: str | None, credentials_rejected: bool
    ) -> HealthIssues:
        """The health issues the run's outcome (and a schedule that paused itself) opens or
        resolves."""
        issues, at = issues_of(self.store, integration), stamp(self.clock)
        issues.sync_finished(
            outcome=outcome,
            error=error,
            failed_runs=integration.failed_runs,
            credentials_rejected=credentials_rejected,
            at=at,
            rules=self.store.defaults.health,
        )
        paused = [
            e for e in integration.pending_events if isinstance(e, Integration.ScheduleAutoPaused)
        ]
        if paused:
            issues.schedule_paused_itself(reason=paused[-1].reason, at=at)
        return issues

    def _load(self) -> SyncRun:
        run = self.store.load(SyncRun, self.sync_id, NotFound("sync run not found"))
        if self.claim_id is not None and not run.holds(self.claim_id):
            raise RunStopped(run.status)
        return run

    def _run(self, change: Callable[[SyncRun, str], None], cancellable: bool = True) -> None:
        """Record what was done, then stop here if a cancel was asked for."""

        def attempt() -> bool:
            run = self._load()
            change(run, stamp(self.clock, self.lease))
            self.store.save(run, ctx=self.ctx)
            return run.cancel_requested

        if with_retries(attempt, name="RecordSyncProgress") and cancellable:
            raise RunCancelled()
        if cancellable and self.stopping():
            raise RunInterrupted()

    def _integration(self, change: Callable[[Integration], None]) -> None:
        def attempt() -> bool:
            run = self._load()
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            change(integration)
            self.store.save(integration, ctx=self.ctx)
            return run.cancel_requested

        if with_retries(attempt, name="RecordSyncProgress"):
            raise RunCancelled()
        if self.stopping():
            raise RunInterrupted()

    def _finish(
        self,
        change: Callable[[SyncRun], None],
        outcome: str,
        error: str | None,
        duration_ms: int | None,
        watermark: str | None = None,
        credentials_rejected: bool = False,
    ) -> None:
        """End the run and release the integration in one transaction (if not ended yet)."""

        def attempt() -> str | None:
            run = self._load()
            change(run)
            if not run.pending_events:
                return None
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            integration.finish_sync(
                sync_id=self.sync_id,
                outcome=outcome,
                error=error,
                finished_at=self.clock.now(),
                watermark=watermark,
                credentials_rejected=credentials_rejected,
                pause_after=self.pause_after,
            )
            issues = self._issues_after(integration, outcome, error, credentials_rejected)
            self.store.save(run, integration, *changed(issues), ctx=self.ctx)
            return run.direction

        direction = with_retries(attempt, name="FinishSyncRun")
        if direction is not None:
            metrics.observe_sync_run(
                direction, outcome, None if duration_ms is None else duration_ms / 1000
            )
