"""SyncQueue: the runs workers may claim, and when. One row per run; `due_at` is when it
becomes claimable (pending: at once, or when its retry is due; running: when its lease runs
out) and NULL once it has ended, so finding work is one range scan of an index."""

from __future__ import annotations

from typing import Any

from app.aggregates.sync_run import SyncRun
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

NOW = ""
"""`due_at` of a run claimable at once (sorts before every time)."""
QUEUE = Table(
    "sync_queue",
    columns={
        "sync_id": "TEXT NOT NULL",
        "integration_id": "TEXT NOT NULL",
        "attempt": "INTEGER NOT NULL",
        "claims": "INTEGER NOT NULL",
        "next_retry_at": "TEXT",
        "lease_until": "TEXT",
        "cancel_requested": "INTEGER NOT NULL",
        "due_at": "TEXT",
    },
    key=("sync_id",),
    indexes=(("due_at",),),
)


class SyncQueue(ReadModel):
    name = "sync_queue"
    tables = (QUEUE,)

    def _set(self, changes: Changeset, e: Any, **columns: Any) -> None:
        changes.change(QUEUE, (str(e.originator_id),), **columns)

    @on(SyncRun.Created)
    def _requested(self, e: SyncRun.Created, changes: Changeset, position: int) -> None:
        changes.put(
            QUEUE,
            sync_id=str(e.originator_id),
            integration_id=e.integration_id,
            attempt=1,
            claims=0,
            cancel_requested=0,
            due_at=NOW,
        )

    @on(SyncRun.Started)
    def _started(self, e: SyncRun.Started, changes: Changeset, position: int) -> None:
        """Runs started before claims existed have no lease: the stuck-run sweep ends them."""
        self._set(changes, e, due_at=None)

    @on(SyncRun.Claimed)
    def _claimed(self, e: SyncRun.Claimed, changes: Changeset, position: int) -> None:
        row = changes.row(QUEUE, str(e.originator_id))
        if row is not None:
            row.update(
                claims=row["claims"] + 1,
                attempt=e.attempt,
                next_retry_at=None,
                lease_until=e.lease_until,
                due_at=e.lease_until,
            )
            changes.mark(QUEUE, row)

    @on(
        SyncRun.Progressed,
        SyncRun.ContentPulled,
        SyncRun.ContentPushed,
        SyncRun.ContentDeleted,
        SyncRun.LeaseExtended,
    )
    def _heartbeat(self, e: Any, changes: Changeset, position: int) -> None:
        if e.lease_until is not None:
            self._set(changes, e, lease_until=e.lease_until, due_at=e.lease_until)

    @on(SyncRun.Released)
    def _released(self, e: SyncRun.Released, changes: Changeset, position: int) -> None:
        self._set(changes, e, lease_until=NOW, due_at=NOW)

    @on(SyncRun.RetryScheduled)
    def _retry(self, e: SyncRun.RetryScheduled, changes: Changeset, position: int) -> None:
        self._set(
            changes,
            e,
            attempt=e.attempt + 1,
            next_retry_at=e.next_retry_at,
            lease_until=None,
            due_at=e.next_retry_at,
        )

    @on(SyncRun.CancelRequested)
    def _cancel(self, e: SyncRun.CancelRequested, changes: Changeset, position: int) -> None:
        self._set(changes, e, cancel_requested=1)

    @on(SyncRun.Completed, SyncRun.Failed, SyncRun.Abandoned, SyncRun.Cancelled)
    def _ended(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, lease_until=None, next_retry_at=None, due_at=None)
