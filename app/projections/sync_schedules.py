"""SyncSchedules: each integration's schedule and the next time it is due, for the
scheduler (one index range scan finds due schedules), `schedule/` and `sync-status/`."""

from __future__ import annotations

from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.schedule import next_due
from app.aggregates.time import iso
from app.database import Row
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

SCHEDULES = Table(
    "sync_schedules",
    columns={
        "integration_id": "TEXT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "scheduled": "INTEGER NOT NULL",
        "direction": "TEXT",
        "every": "INTEGER",
        "cron": "TEXT",
        "paused": "INTEGER NOT NULL",
        "paused_reason": "TEXT",
        "anchor": "TEXT",
        "immediate": "INTEGER NOT NULL",
        "last_due": "TEXT",
        "is_active": "INTEGER NOT NULL",
        "sync_enabled": "INTEGER NOT NULL",
        "deleted": "INTEGER NOT NULL",
        "next_due": "TEXT",
    },
    key=("integration_id",),
    indexes=(("next_due",),),
)


def schedule_of(row: Row) -> dict[str, Any]:
    """The row as the schedule state the aggregate keeps (for `app.aggregates.schedule`)."""
    return {
        "every": row["every"],
        "cron": row["cron"],
        "anchor": row["anchor"],
        "immediate": bool(row["immediate"]),
        "last_due": row["last_due"],
        "paused": bool(row["paused"]),
    }


def runnable(row: Row) -> bool:
    """Whether the scheduler may start runs for this row now."""
    return bool(
        row["scheduled"]
        and not row["paused"]
        and row["is_active"]
        and row["sync_enabled"]
        and not row["deleted"]
    )


class SyncSchedules(ReadModel):
    name = "sync_schedules"
    tables = (SCHEDULES,)

    def _set(self, changes: Changeset, e: Any, **columns: Any) -> None:
        """Change the row, then work out when it is next due (NULL: never, as things are)."""
        row = changes.change(SCHEDULES, (str(e.originator_id),), **columns)
        if row is not None:
            row["next_due"] = iso(next_due(schedule_of(row))) if runnable(row) else None

    @on(Integration.Created)
    def _created(self, e: Integration.Created, changes: Changeset, position: int) -> None:
        changes.put(
            SCHEDULES,
            integration_id=str(e.originator_id),
            account_id=e.account_id,
            scheduled=0,
            paused=0,
            immediate=0,
            is_active=int(e.is_active),
            sync_enabled=int(e.sync_enabled),
            deleted=0,
        )

    @on(Integration.ScheduleSet)
    def _set_schedule(self, e: Integration.ScheduleSet, changes: Changeset, position: int) -> None:
        row = changes.row(SCHEDULES, str(e.originator_id))
        resumed = row is not None and row["scheduled"] and row["paused"] and not e.paused
        self._set(
            changes,
            e,
            scheduled=1,
            direction=e.direction,
            every=e.every,
            cron=e.cron,
            paused=int(e.paused),
            paused_reason="paused by a person" if e.paused else None,
            anchor=e.anchor,
            immediate=int(bool(resumed)),
        )

    @on(Integration.ScheduleRemoved)
    def _removed(self, e: Integration.ScheduleRemoved, changes: Changeset, position: int) -> None:
        self._set(changes, e, scheduled=0)

    @on(Integration.ScheduleAutoPaused)
    def _auto_paused(
        self, e: Integration.ScheduleAutoPaused, changes: Changeset, position: int
    ) -> None:
        self._set(changes, e, paused=1, paused_reason=e.reason)

    @on(Integration.SyncRequested)
    def _requested(self, e: Integration.SyncRequested, changes: Changeset, position: int) -> None:
        if e.due_at is not None:
            self._set(changes, e, last_due=e.due_at)

    @on(Integration.SyncEnabled)
    def _enabled(self, e: Integration.SyncEnabled, changes: Changeset, position: int) -> None:
        row = changes.row(SCHEDULES, str(e.originator_id))
        if row is not None and row["scheduled"] and not row["paused"]:
            self._set(changes, e, sync_enabled=1, anchor=iso(e.timestamp), immediate=1)
        else:
            self._set(changes, e, sync_enabled=1)

    @on(Integration.SyncDisabled)
    def _disabled(self, e: Integration.SyncDisabled, changes: Changeset, position: int) -> None:
        self._set(changes, e, sync_enabled=0)

    @on(Integration.Activated, Integration.Deactivated)
    def _activation(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, is_active=int(isinstance(e, Integration.Activated)))

    @on(Integration.Deleted)
    def _deleted(self, e: Integration.Deleted, changes: Changeset, position: int) -> None:
        self._set(changes, e, deleted=1)
