"""SyncRuns: one row per sync run, for sync status, `?wait=` and the stuck-run sweep."""

from __future__ import annotations

from typing import Any

from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.database import json_text
from app.projections.base import Projection, on
from app.projections.batch import Batch, Table

T = "sync_runs"
TABLE = Table(T, columns={
    "sync_id": "TEXT NOT NULL", "integration_id": "TEXT NOT NULL", "direction": "TEXT NOT NULL",
    "status": "TEXT NOT NULL", "content_types": "TEXT NOT NULL",
    "item_count": "INTEGER NOT NULL", "requested_at": "TEXT NOT NULL", "started_at": "TEXT",
    "finished_at": "TEXT", "counts": "TEXT NOT NULL", "phase": "TEXT", "error": "TEXT",
    "duration_ms": "INTEGER", "last_activity_at": "TEXT NOT NULL",
}, key=("sync_id",), indexes=(("integration_id", "finished_at"), ("status", "last_activity_at")))


class SyncRuns(Projection):
    name = "sync_runs"
    schema = (TABLE,)

    def _set(self, batch: Batch, e: Any, **columns: Any) -> None:
        batch.change(self.t[T], (str(e.originator_id),), last_activity_at=iso(e.timestamp),
                     **columns)

    @on(SyncRun.Created)
    def _requested(self, e: SyncRun.Created, batch: Batch, position: int) -> None:
        at = iso(e.timestamp)
        batch.put(self.t[T], sync_id=str(e.originator_id), integration_id=e.integration_id,
                  direction=e.direction, status="pending",
                  content_types=json_text(e.content_types), item_count=len(e.items),
                  requested_at=at, counts="{}", last_activity_at=at)

    @on(SyncRun.Started)
    def _started(self, e: SyncRun.Started, batch: Batch, position: int) -> None:
        self._set(batch, e, status="running", started_at=iso(e.timestamp))

    @on(SyncRun.Progressed)
    def _progressed(self, e: SyncRun.Progressed, batch: Batch, position: int) -> None:
        self._set(batch, e, phase=e.phase, counts=json_text(e.counts))

    @on(SyncRun.ContentPulled, SyncRun.ContentPushed)
    def _moved(self, e: Any, batch: Batch, position: int) -> None:
        self._set(batch, e, counts=json_text(e.counts))

    @on(SyncRun.Completed)
    def _completed(self, e: SyncRun.Completed, batch: Batch, position: int) -> None:
        self._set(batch, e, status="success", finished_at=iso(e.timestamp),
                  counts=json_text(e.counts), duration_ms=e.duration_ms)

    @on(SyncRun.Failed)
    def _failed(self, e: SyncRun.Failed, batch: Batch, position: int) -> None:
        self._set(batch, e, status="failed", finished_at=iso(e.timestamp), error=e.error,
                  counts=json_text(e.counts), duration_ms=e.duration_ms)

    @on(SyncRun.Abandoned)
    def _abandoned(self, e: SyncRun.Abandoned, batch: Batch, position: int) -> None:
        self._set(batch, e, status="abandoned", finished_at=iso(e.timestamp), error=e.reason)
