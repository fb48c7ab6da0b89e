"""How healthy each integration of a page is (the console's badges), in two queries whatever
the page size, by the same rule as `debug-status/`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.aggregates.time import iso
from app.projections.integration_health import HEALTH
from app.projections.sync_runs import RUNS
from app.queries.debug_status import health_of
from app.reads import Reads


async def health_by_integration(
    reads: Reads, integration_ids: list[str], *, sync_timeout: float, now: datetime | None = None
) -> dict[str, str]:
    if not integration_ids:
        return {}
    marks = ",".join("?" * len(integration_ids))
    rows = {
        r["integration_id"]: r
        for r in await reads.all(
            f"SELECT * FROM {HEALTH} WHERE integration_id IN ({marks})", integration_ids
        )
    }
    cutoff = iso((now or datetime.now(UTC)) - timedelta(seconds=sync_timeout))
    stuck = {
        r["integration_id"]
        for r in await reads.all(
            f"SELECT integration_id FROM {RUNS} WHERE integration_id IN ({marks})"
            " AND status IN ('pending', 'running') AND last_activity_at < ?",
            [*integration_ids, cutoff],
        )
    }
    return {
        i: health_of(
            rows.get(i) or {}, int((rows.get(i) or {}).get("consecutive_failures") or 0), i in stuck
        )
        for i in integration_ids
    }
