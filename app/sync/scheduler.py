"""Requests the runs schedules are due for. Every worker process does this; the store makes
each due time one run: the run's id is derived from the integration and the due time, so
schedulers that see the same due time at once collide on that run's stream."""

from __future__ import annotations

import logging
from uuid import UUID, uuid5

from app.aggregates.errors import Conflict, DomainError, IntegrationNotFound
from app.aggregates.integration import Integration
from app.aggregates.schedule import latest_due
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.request_sync import check_supported
from app.commands.store import Store
from app.database import Row
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_schedules import SCHEDULES, runnable, schedule_of
from app.sync.clock import Clock, stamp

log = logging.getLogger(__name__)
NAMESPACE = UUID("6f1d3c52-0b7e-4f0e-9a55-2d8e1c4b7a90")
BATCH = 100


def scheduled_run_id(integration_id: str, due_at: str) -> UUID:
    return uuid5(NAMESPACE, f"{integration_id}/{due_at}")


class Scheduler:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def request_due(self) -> int:
        """Request a run for every schedule due now whose integration is not busy."""
        rows = self.store.db.all(
            f"SELECT d.* FROM {SCHEDULES} d WHERE d.next_due IS NOT NULL AND d.next_due <= ?"
            f" AND NOT EXISTS (SELECT 1 FROM {SUMMARIES} s WHERE s.id = d.integration_id"
            " AND s.running_sync_id IS NOT NULL) ORDER BY d.next_due LIMIT ?",
            (stamp(self.clock), BATCH),
        )
        return sum(self._request(row) for row in rows if runnable(row))

    def _request(self, row: Row) -> bool:
        due = latest_due(schedule_of(row), self.clock.now())
        if due is None:
            return False
        ctx = Context(
            account_id=row["account_id"], actor="system", request_id=f"schedule:{iso(due)}"
        )
        try:
            return with_retries(
                lambda: self._create(row, iso(due), ctx), name="RequestScheduledSync"
            )
        except DomainError as exc:  # busy, paused, disabled meanwhile: the next look decides
            log.debug("schedule of %s not run: %s", row["integration_id"], exc)
            return False

    def _create(self, row: Row, due_at: str, ctx: Context) -> bool:
        sync_id = scheduled_run_id(row["integration_id"], due_at)
        if self.store.find(SyncRun, sync_id) is not None:
            return False
        integration = self.store.load(Integration, row["integration_id"], IntegrationNotFound())
        schedule = integration.schedule
        if schedule is None:
            raise Conflict("the schedule was removed")
        check_supported(integration.platform, schedule["direction"])
        integration.request_sync(
            sync_id=str(sync_id), direction=schedule["direction"], due_at=due_at
        )
        run = SyncRun(
            id=sync_id,
            integration_id=row["integration_id"],  # type: ignore[call-arg]
            direction=schedule["direction"],
            content_types=[],
            items=[],
        )
        self.store.save(integration, run, ctx=ctx)
        return True
