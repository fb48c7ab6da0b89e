"""An integration's sync schedule and when it next runs."""

from __future__ import annotations

import msgspec

from app.aggregates.errors import IntegrationNotFound, NotFound
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_schedules import SCHEDULES
from app.queries.sync_status import LIVE_INTEGRATION, next_run_at
from app.reads import Reads

SCHEDULE = (
    f"SELECT s.id AS integration, sc.* FROM {SUMMARIES} s LEFT JOIN {SCHEDULES} sc"
    f" ON sc.integration_id = s.id AND sc.scheduled = 1 WHERE {LIVE_INTEGRATION}"
)


class ScheduleView(msgspec.Struct, kw_only=True):
    integration_id: str
    direction: str
    every: str | None
    cron: str | None
    paused: bool
    paused_reason: str | None
    """Why it is paused: by a person, or the reason it paused itself."""
    next_run_at: str | None
    """When the next run is due (null while paused or while syncs are off)."""
    last_run_due_at: str | None


async def sync_schedule(reads: Reads, *, account_id: str, integration_id: str) -> ScheduleView:
    row = await reads.one(SCHEDULE, (integration_id, account_id))
    if row is None:
        raise IntegrationNotFound()
    if row["integration_id"] is None:
        raise NotFound("the integration has no schedule")
    return ScheduleView(
        integration_id=integration_id,
        direction=row["direction"],
        every=None if row["every"] is None else every_text(row["every"]),
        cron=row["cron"],
        paused=bool(row["paused"]),
        paused_reason=row["paused_reason"],
        next_run_at=next_run_at(row),
        last_run_due_at=row["last_due"],
    )


def every_text(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"
