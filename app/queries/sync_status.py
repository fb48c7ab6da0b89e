"""Where an integration's syncs stand: the current run with its progress, the last run."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound, NotFound
from app.database import Database, Row
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.projections.sync_schedules import SCHEDULES, runnable
from app.queries.integration_detail import summary_row

FINISHED = ("success", "failed", "abandoned", "cancelled")


class SyncRunView(msgspec.Struct, kw_only=True):
    sync_id: str
    integration_id: str
    direction: str
    status: str
    requested_at: str
    started_at: str | None
    finished_at: str | None
    counts: dict[str, int]
    error: str | None
    phase: str | None
    duration_ms: int | None
    content_types: list[str]
    item_count: int
    last_activity_at: str
    attempt: int = 1
    next_retry_at: str | None = None
    """When the next attempt is due, while the run waits for it."""
    cancel_requested: bool = False
    claims: int = 0
    """How many times a worker took the run (more than once: taken over after a crash)."""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class SyncStatus(msgspec.Struct, kw_only=True):
    integration_id: str
    sync_status: str
    last_sync_at: str | None
    last_success_at: str | None
    sync_error: str | None
    current_run: SyncRunView | None
    last_run: SyncRunView | None
    next_run_at: str | None
    """When the schedule next starts a run (null without an active schedule)."""


RUN_COLUMNS = (f"r.*, q.attempt, q.next_retry_at, q.cancel_requested, q.claims"
               f" FROM {RUNS} r LEFT JOIN {QUEUE} q ON q.sync_id = r.sync_id")


def run_of_row(row: Row) -> SyncRunView:
    values: dict[str, Any] = {f: row[f] for f in SyncRunView.__struct_fields__ if f in row}
    values["attempt"] = row.get("attempt") or 1
    values["claims"] = row.get("claims") or 0
    values["cancel_requested"] = bool(row.get("cancel_requested"))
    values["counts"] = msgspec.json.decode(row["counts"])
    values["content_types"] = msgspec.json.decode(row["content_types"])
    return SyncRunView(**values)


def schedule_row(db: Database, integration_id: str) -> Row | None:
    return db.one(f"SELECT * FROM {SCHEDULES} WHERE integration_id = ? AND scheduled = 1",
                  (integration_id,))


def next_run_at(row: Row | None) -> str | None:
    return row["next_due"] if row is not None and runnable(row) else None


def live_row(db: Database, account_id: str, integration_id: str) -> Row:
    row = summary_row(db, account_id, integration_id)
    if row is None or row["deleted_at"] is not None:
        raise IntegrationNotFound()
    return row


def sync_run(db: Database, *, account_id: str, integration_id: str, sync_id: str) -> SyncRunView:
    live_row(db, account_id, integration_id)
    row = db.one(f"SELECT {RUN_COLUMNS} WHERE r.sync_id = ? AND r.integration_id = ?",
                 (sync_id, integration_id))
    if row is None:
        raise NotFound("sync run not found")
    return run_of_row(row)


def sync_status(db: Database, *, account_id: str, integration_id: str) -> SyncStatus:
    summary = live_row(db, account_id, integration_id)
    current = None
    if summary["running_sync_id"]:
        row = db.one(f"SELECT {RUN_COLUMNS} WHERE r.sync_id = ?", (summary["running_sync_id"],))
        current = run_of_row(row) if row else None
    last = db.one(f"SELECT {RUN_COLUMNS} WHERE r.integration_id = ?"
                  " AND r.finished_at IS NOT NULL ORDER BY r.finished_at DESC LIMIT 1",
                  (integration_id,))
    return SyncStatus(
        integration_id=integration_id, sync_status=summary["sync_status"],
        last_sync_at=summary["last_sync_at"], last_success_at=summary["last_success_at"],
        sync_error=summary["sync_error"], current_run=current,
        last_run=run_of_row(last) if last else None,
        next_run_at=next_run_at(schedule_row(db, integration_id)))
