"""SyncRuns: one row per sync run, for sync status, `?wait=` and the stuck-run sweep."""

from __future__ import annotations

from typing import Any

from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.database import Tx, json_text
from app.projections.base import Projection, on


class SyncRuns(Projection):
    name = "sync_runs"
    tables = {"sync_runs": "sync_id"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {sync_runs} ("
        " sync_id TEXT PRIMARY KEY, integration_id TEXT NOT NULL, direction TEXT NOT NULL,"
        " status TEXT NOT NULL, content_types TEXT NOT NULL, item_count INTEGER NOT NULL,"
        " requested_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, counts TEXT NOT NULL,"
        " phase TEXT, error TEXT, duration_ms INTEGER, last_activity_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {sync_runs}_by_integration"
        " ON {sync_runs} (integration_id, requested_at)",
        "CREATE INDEX IF NOT EXISTS {sync_runs}_by_status"
        " ON {sync_runs} (status, last_activity_at)",
    )

    def _set(self, tx: Tx, e: Any, **columns: Any) -> None:
        assignments = "".join(f"{column} = ?, " for column in columns)
        tx.execute(f"UPDATE {self.t['sync_runs']} SET {assignments}last_activity_at = ?"
                   " WHERE sync_id = ?",
                   (*columns.values(), iso(e.timestamp), str(e.originator_id)))

    @on(SyncRun.Created)
    def _requested(self, e: SyncRun.Created, tx: Tx, position: int) -> None:
        at = iso(e.timestamp)
        tx.execute(
            f"INSERT INTO {self.t['sync_runs']} VALUES"
            " (?, ?, ?, 'pending', ?, ?, ?, NULL, NULL, '{}', NULL, NULL, NULL, ?)",
            (str(e.originator_id), e.integration_id, e.direction, json_text(e.content_types),
             len(e.items), at, at),
        )

    @on(SyncRun.Started)
    def _started(self, e: SyncRun.Started, tx: Tx, position: int) -> None:
        self._set(tx, e, status="running", started_at=iso(e.timestamp))

    @on(SyncRun.Progressed)
    def _progressed(self, e: SyncRun.Progressed, tx: Tx, position: int) -> None:
        self._set(tx, e, phase=e.phase, counts=json_text(e.counts))

    @on(SyncRun.ContentPulled, SyncRun.ContentPushed)
    def _moved(self, e: Any, tx: Tx, position: int) -> None:
        self._set(tx, e, counts=json_text(e.counts))

    @on(SyncRun.Completed)
    def _completed(self, e: SyncRun.Completed, tx: Tx, position: int) -> None:
        self._set(tx, e, status="success", finished_at=iso(e.timestamp),
                  counts=json_text(e.counts), duration_ms=e.duration_ms)

    @on(SyncRun.Failed)
    def _failed(self, e: SyncRun.Failed, tx: Tx, position: int) -> None:
        self._set(tx, e, status="failed", finished_at=iso(e.timestamp), error=e.error,
                  counts=json_text(e.counts), duration_ms=e.duration_ms)

    @on(SyncRun.Abandoned)
    def _abandoned(self, e: SyncRun.Abandoned, tx: Tx, position: int) -> None:
        self._set(tx, e, status="abandoned", finished_at=iso(e.timestamp), error=e.reason)
