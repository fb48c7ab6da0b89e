"""Records a running sync's progress and outcome as events. Every write reloads the run, so a
run that was abandoned meanwhile stops its worker (`RunStopped`) instead of going on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from app import metrics
from app.aggregates.errors import IntegrationNotFound, NotFound
from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.platforms import ContentItem, ShopInfo


class RunStopped(Exception):
    """The run is no longer running (abandoned by the stuck-run sweep)."""


class RunRecorder:
    def __init__(self, store: Store, ctx: Context, sync_id: str) -> None:
        self.store, self.ctx, self.sync_id = store, ctx, sync_id

    def structure(self, content_types: dict[str, Any]) -> None:
        self._integration(lambda i: i.update_structure(content_types=content_types,
                                                       source="sync"))

    def shop(self, shop: ShopInfo) -> None:
        self._integration(lambda i: i.record_shop(name=shop.name, domain=shop.domain,
                                                  currency=shop.currency))

    def pulled(self, items: list[ContentItem], counts: dict[str, int]) -> None:
        self._run(lambda run: run.record_pulled(msgspec.to_builtins(items), counts))

    def pushed(self, result: dict[str, Any], counts: dict[str, int]) -> None:
        self._run(lambda run: run.record_pushed(result, counts))

    def phase(self, name: str, counts: dict[str, int]) -> None:
        self._run(lambda run: run.record_progress(phase=name, counts=counts))

    def complete(self, counts: dict[str, int], duration_ms: int, watermark: str | None) -> None:
        self._finish(lambda run: run.complete(counts=counts, duration_ms=duration_ms),
                     "success", None, watermark, duration_ms)

    def fail(self, error: str, counts: dict[str, int], duration_ms: int) -> None:
        self._finish(lambda run: run.fail(error=error, counts=counts, duration_ms=duration_ms),
                     "failed", error, None, duration_ms)

    def abandon(self, reason: str) -> None:
        self._finish(lambda run: run.abandon(reason), "abandoned", reason, None, None)

    def _load_run(self) -> SyncRun:
        return self.store.load(SyncRun, self.sync_id, NotFound("sync run not found"))

    def _run(self, change: Callable[[SyncRun], None]) -> None:
        def attempt() -> None:
            run = self._load_run()
            if run.status != "running":
                raise RunStopped(run.status)
            change(run)
            self.store.save(run, ctx=self.ctx)

        with_retries(attempt, name="RecordSyncProgress")

    def _integration(self, change: Callable[[Integration], None]) -> None:
        def attempt() -> None:
            run = self._load_run()
            if run.status != "running":
                raise RunStopped(run.status)
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            change(integration)
            self.store.save(integration, ctx=self.ctx)

        with_retries(attempt, name="RecordSyncProgress")

    def _finish(self, change: Callable[[SyncRun], None], outcome: str, error: str | None,
                watermark: str | None, duration_ms: int | None) -> None:
        """End the run and release the integration in one transaction (if not ended yet)."""

        def attempt() -> str | None:
            run = self._load_run()
            change(run)
            if not run.pending_events:
                return None
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            integration.finish_sync(sync_id=self.sync_id, outcome=outcome, error=error,
                                    finished_at=datetime.now(UTC), watermark=watermark)
            self.store.save(run, integration, ctx=self.ctx)
            return run.direction

        direction = with_retries(attempt, name="FinishSyncRun")
        if direction is not None:
            metrics.observe_sync_run(direction, outcome,
                                     None if duration_ms is None else duration_ms / 1000)
