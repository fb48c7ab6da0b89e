"""Which sync runs an integration had lately: the running one first, then the newest
finished ones (read through the `(integration_id, finished_at)` index), in one statement."""

from __future__ import annotations

from app.aggregates.errors import IntegrationNotFound
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.queries.sync_status import LIVE_INTEGRATION, SyncRunView, run_columns, run_of_row
from app.reads import Reads

RECENT = (
    f"SELECT s.id AS integration, {run_columns('r', 'q')} FROM {SUMMARIES} s"
    f" LEFT JOIN {RUNS} r ON r.integration_id = s.id"
    f" AND (r.sync_id = s.running_sync_id OR r.finished_at IS NOT NULL)"
    f" LEFT JOIN {QUEUE} q ON q.sync_id = r.sync_id WHERE {LIVE_INTEGRATION}"
    " ORDER BY r.finished_at IS NOT NULL, r.finished_at DESC LIMIT ?"
)


async def recent_sync_runs(
    reads: Reads, *, account_id: str, integration_id: str, limit: int = 10
) -> list[SyncRunView]:
    rows = await reads.all(RECENT, (integration_id, account_id, limit + 1))
    if not rows:
        raise IntegrationNotFound()
    return [run for row in rows if (run := run_of_row(row)) is not None][: limit + 1]
