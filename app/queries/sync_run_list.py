"""Which sync runs an integration had lately: the running one first, then the newest
finished ones (read through the `(integration_id, finished_at)` index)."""

from __future__ import annotations

from app.database import Database
from app.projections.sync_runs import RUNS
from app.queries.sync_status import SyncRunView, live_row, run_of_row


def recent_sync_runs(db: Database, *, account_id: str, integration_id: str,
                     limit: int = 10) -> list[SyncRunView]:
    summary = live_row(db, account_id, integration_id)
    current = []
    if summary["running_sync_id"]:
        current = db.all(f"SELECT * FROM {RUNS} WHERE sync_id = ?",
                         (summary["running_sync_id"],))
    finished = db.all(f"SELECT * FROM {RUNS} WHERE integration_id = ? AND finished_at IS NOT"
                      " NULL ORDER BY finished_at DESC LIMIT ?", (integration_id, limit))
    return [run_of_row(row) for row in [*current, *finished]]
