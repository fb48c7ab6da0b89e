"""Finding runs to execute and claiming one, settled by the store.

Claimable runs come from the `sync_queue` read model (pending, retry due, or lease run out).
The claim itself is `sync.claimed` appended at the run's current version: when two workers
claim the same run at once, the second append collides, reloads, finds the run claimed and
gives up. The read model may lag; the aggregate decides."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from app.aggregates.errors import IntegrationNotFound, NotFound
from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.eventstore import metadata_of
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_queue import QUEUE
from app.sync.clock import Clock, stamp

WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    sync_id: str
    claim_id: str
    ctx: Context
    integration_id: str = ""


class Claims:
    def __init__(self, store: Store, clock: Clock, lease: float, timeout: float) -> None:
        self.store, self.clock, self.lease, self.timeout = store, clock, lease, timeout

    def due(self, limit: int) -> list[str]:
        """Runs claimable now, oldest due first."""
        rows = self.store.db.all(
            f"SELECT sync_id FROM {QUEUE} WHERE due_at IS NOT NULL"
            " AND due_at <= ? ORDER BY due_at LIMIT ?",
            (stamp(self.clock), limit),
        )
        return [row["sync_id"] for row in rows]

    def next_due(self) -> str | None:
        """When the next run becomes claimable (a retry or a lease), if any is waiting."""
        due: str | None = self.store.db.value(
            f"SELECT MIN(due_at) FROM {QUEUE} WHERE due_at > ?", (stamp(self.clock),)
        )
        return due

    def claim(self, sync_id: str) -> Claim | None:
        """This worker's claim on the run, or None when it is not to be had."""
        ctx, integration_id = self.context(sync_id), self.integration_of(sync_id)
        claim_id = uuid.uuid4().hex
        if with_retries(lambda: self._claim(sync_id, claim_id, ctx), name="ClaimSyncRun"):
            return Claim(sync_id, claim_id, ctx, integration_id)
        return None

    def integration_of(self, sync_id: str) -> str:
        found = self.store.db.value(
            f"SELECT integration_id FROM {QUEUE} WHERE sync_id = ?", (sync_id,)
        )
        return str(found or "")

    def _claim(self, sync_id: str, claim_id: str, ctx: Context) -> bool:
        run = self.store.load(SyncRun, sync_id, NotFound("sync run not found"))
        now = stamp(self.clock)
        if not run.claimable(now):
            return False
        integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
        if run.cancel_requested or self._too_late(run):
            self._end_without_running(run, integration)
            self.store.save(run, integration, ctx=ctx)
            return False
        run.claim(
            claim_id=claim_id, worker=WORKER, now=now, lease_until=stamp(self.clock, self.lease)
        )
        integration.start_sync(sync_id)
        self.store.save(run, integration, ctx=ctx)
        return True

    def _too_late(self, run: SyncRun) -> bool:
        """Never started, and requested longer ago than the sync timeout."""
        age = (datetime.now(UTC) - run.created_on).total_seconds()
        return run.claims == 0 and run.attempt == 1 and age > self.timeout

    def _end_without_running(self, run: SyncRun, integration: Integration) -> None:
        if run.cancel_requested:
            run.cancel()
        else:
            run.abandon(f"abandoned: not started within {self.timeout:.0f}s")
        integration.finish_sync(
            sync_id=str(run.id),
            outcome=run.status,
            error=run.error if run.status == "abandoned" else None,
            finished_at=self.clock.now(),
        )

    def context(self, sync_id: str) -> Context:
        """The run's account, and the request that asked for it (for the events' metadata)."""
        first = self.store.events.stream(uuid.UUID(sync_id), 0, 1)
        integration_id = first[0].integration_id if first else ""
        account = self.store.db.value(
            f"SELECT account_id FROM {SUMMARIES} WHERE id = ?", (integration_id,)
        )
        request_id = metadata_of(first[0]).request_id if first else ""
        return Context(account_id=account or "", actor="system", request_id=request_id)
