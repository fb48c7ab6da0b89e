"""SyncRuns: one row per sync run, for sync status, `?wait=` and the stuck-run sweep
(attempts, retries and leases are in `sync_queue`)."""

from __future__ import annotations

from typing import Any

from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.database import json_text
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

RUNS = Table(
    "sync_runs",
    columns={
        "sync_id": "TEXT NOT NULL",
        "integration_id": "TEXT NOT NULL",
        "direction": "TEXT NOT NULL",
        "status": "TEXT NOT NULL",
        "content_types": "TEXT NOT NULL",
        "item_count": "INTEGER NOT NULL",
        "requested_at": "TEXT NOT NULL",
        "started_at": "TEXT",
        "finished_at": "TEXT",
        "counts": "TEXT NOT NULL",
        "phase": "TEXT",
        "error": "TEXT",
        "duration_ms": "INTEGER",
        "last_activity_at": "TEXT NOT NULL",
    },
    key=("sync_id",),
    indexes=(("integration_id", "finished_at"), ("status", "last_activity_at")),
)


class SyncRuns(ReadModel):
    name = "sync_runs"
    tables = (RUNS,)

    def _set(self, changes: Changeset, e: Any, **columns: Any) -> None:
        """Columns given as None are left as they are."""
        given = {name: value for name, value in columns.items() if value is not None}
        changes.change(RUNS, (str(e.originator_id),), last_activity_at=iso(e.timestamp), **given)

    @on(SyncRun.Created)
    def _requested(self, e: SyncRun.Created, changes: Changeset, position: int) -> None:
        at = iso(e.timestamp)
        changes.put(
            RUNS,
            sync_id=str(e.originator_id),
            integration_id=e.integration_id,
            direction=e.direction,
            status="pending",
            content_types=json_text(e.content_types),
            item_count=len(e.items),
            requested_at=at,
            counts="{}",
            last_activity_at=at,
        )

    @on(SyncRun.Started)
    def _started(self, e: SyncRun.Started, changes: Changeset, position: int) -> None:
        self._set(changes, e, status="running", started_at=iso(e.timestamp))

    @on(SyncRun.Claimed, SyncRun.LeaseExtended, SyncRun.CancelRequested, SyncRun.Released)
    def _touched(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, status="running" if isinstance(e, SyncRun.Claimed) else None)

    @on(SyncRun.Progressed)
    def _progressed(self, e: SyncRun.Progressed, changes: Changeset, position: int) -> None:
        self._set(changes, e, phase=e.phase, counts=json_text(e.counts))

    @on(SyncRun.ContentPulled, SyncRun.ContentPushed, SyncRun.ContentDeleted)
    def _moved(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, counts=json_text(e.counts))

    @on(SyncRun.RetryScheduled)
    def _retry(self, e: SyncRun.RetryScheduled, changes: Changeset, position: int) -> None:
        self._set(changes, e, status="pending", error=e.error)

    @on(SyncRun.Cancelled)
    def _cancelled(self, e: SyncRun.Cancelled, changes: Changeset, position: int) -> None:
        self._set(
            changes, e, status="cancelled", finished_at=iso(e.timestamp), counts=json_text(e.counts)
        )

    @on(SyncRun.Completed)
    def _completed(self, e: SyncRun.Completed, changes: Changeset, position: int) -> None:
        self._set(
            changes,
            e,
            status="success",
            finished_at=iso(e.timestamp),
            counts=json_text(e.counts),
            duration_ms=e.duration_ms,
        )

    @on(SyncRun.Failed)
    def _failed(self, e: SyncRun.Failed, changes: Changeset, position: int) -> None:
        self._set(
            changes,
            e,
            status="failed",
            finished_at=iso(e.timestamp),
            error=e.error,
            counts=json_text(e.counts),
            duration_ms=e.duration_ms,
        )

    @on(SyncRun.Abandoned)
    def _abandoned(self, e: SyncRun.Abandoned, changes: Changeset, position: int) -> None:
        self._set(changes, e, status="abandoned", finished_at=iso(e.timestamp), error=e.reason)
