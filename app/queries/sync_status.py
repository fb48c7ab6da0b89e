"""Where an integration's syncs stand: the current run with its progress, the last run, the
next scheduled one. One statement: the summary row joined, by primary keys, to the two runs
it names, their queue rows and the schedule."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound, NotFound
from app.database import Row
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.projections.sync_schedules import SCHEDULES, runnable
from app.reads import Reads

FINISHED = ("success", "failed", "abandoned", "cancelled")
QUEUED = ("attempt", "next_retry_at", "cancel_requested", "claims")
SCHEDULED = ("scheduled", "paused", "is_active", "sync_enabled", "deleted", "next_due")


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


def run_columns(run: str, queue: str, prefix: str = "") -> str:
    """A run's columns and its queue row's, renamed `<prefix><column>`."""
    return ", ".join(
        [
            *(f"{run}.{c} AS {prefix}{c}" for c in RUNS.columns),
            *(f"{queue}.{c} AS {prefix}{c}" for c in QUEUED),
        ]
    )


def run_of_row(row: Row, prefix: str = "") -> SyncRunView | None:
    """The run in `row`'s `<prefix>` columns (None when the join found none)."""
    if row.get(f"{prefix}sync_id") is None:
        return None
    values: dict[str, Any] = {
        f: row[prefix + f] for f in SyncRunView.__struct_fields__ if prefix + f in row
    }
    values["attempt"] = row.get(f"{prefix}attempt") or 1
    values["claims"] = row.get(f"{prefix}claims") or 0
    values["cancel_requested"] = bool(row.get(f"{prefix}cancel_requested"))
    values["counts"] = msgspec.json.decode(row[f"{prefix}counts"])
    values["content_types"] = msgspec.json.decode(row[f"{prefix}content_types"])
    return SyncRunView(**values)


def next_run_at(row: Row | None) -> str | None:
    return row["next_due"] if row is not None and runnable(row) else None


LIVE_INTEGRATION = "s.id = ? AND s.account_id = ? AND s.deleted_at IS NULL"
STATUS = (
    f"SELECT s.sync_status, s.last_sync_at, s.last_success_at, s.sync_error,"
    f" {run_columns('c', 'cq', 'c_')}, {run_columns('l', 'lq', 'l_')},"
    f" {', '.join(f'sc.{c}' for c in SCHEDULED)}"
    f" FROM {SUMMARIES} s"
    f" LEFT JOIN {RUNS} c ON c.sync_id = s.running_sync_id"
    f" LEFT JOIN {QUEUE} cq ON cq.sync_id = s.running_sync_id"
    f" LEFT JOIN {RUNS} l ON l.sync_id = s.last_run_id"
    f" LEFT JOIN {QUEUE} lq ON lq.sync_id = s.last_run_id"
    f" LEFT JOIN {SCHEDULES} sc ON sc.integration_id = s.id AND sc.scheduled = 1"
    f" WHERE {LIVE_INTEGRATION}"
)
RUN = (
    f"SELECT s.id AS integration, {run_columns('r', 'q')} FROM {SUMMARIES} s"
    f" LEFT JOIN {RUNS} r ON r.sync_id = ? AND r.integration_id = s.id"
    f" LEFT JOIN {QUEUE} q ON q.sync_id = r.sync_id WHERE {LIVE_INTEGRATION}"
)


async def sync_status(reads: Reads, *, account_id: str, integration_id: str) -> SyncStatus:
    row = await reads.one(STATUS, (integration_id, account_id))
    if row is None:
        raise IntegrationNotFound()
    return SyncStatus(
        integration_id=integration_id,
        sync_status=row["sync_status"],
        last_sync_at=row["last_sync_at"],
        last_success_at=row["last_success_at"],
        sync_error=row["sync_error"],
        current_run=run_of_row(row, "c_"),
        last_run=run_of_row(row, "l_"),
        next_run_at=next_run_at(row) if row["scheduled"] is not None else None,
    )


async def sync_run(
    reads: Reads, *, account_id: str, integration_id: str, sync_id: str
) -> SyncRunView:
    row = await reads.one(RUN, (sync_id, integration_id, account_id))
    if row is None:
        raise IntegrationNotFound()
    run = run_of_row(row)
    if run is None:
        raise NotFound("sync run not found")
    return run
