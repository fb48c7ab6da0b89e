"""How healthy an integration is, for people debugging it. Everything here is read from
counters kept by projections, so the answer costs the same whatever the history's length.

Health rule:
- `failing`: the last three or more outcomes (syncs and connection tests) failed, or a sync
  made no progress for longer than the sync timeout (stuck);
- `unknown`: no sync has finished and no connection test has run yet;
- `degraded`: the latest outcome failed (one or two in a row);
- `healthy`: the latest outcome succeeded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from app.aggregates.time import iso
from app.database import Database, Row
from app.projections.integration_health import ACTIVITY, HEALTH
from app.projections.sync_event_log import LOG
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.queries.sync_event_log import SyncEventEntry, entry_of_row
from app.queries.sync_status import live_row, schedule_row

RECENT = 20


class Counters(msgspec.Struct, kw_only=True):
    events_total: int
    sync_success_24h: int
    sync_failed_24h: int
    webhooks_24h: int
    connection_tests_24h: int


class ProjectionPosition(msgspec.Struct, kw_only=True):
    position: int
    lag: int


class DebugStatus(msgspec.Struct, kw_only=True):
    integration_id: str
    health: str
    counters: Counters
    consecutive_failures: int
    last_success_at: str | None
    last_failure_at: str | None
    last_error: str | None
    stuck_sync: bool
    current_sync_id: str | None
    recent_events: list[SyncEventEntry]
    projection: ProjectionPosition
    schedule_paused_reason: str | None = None
    """Why the sync schedule is paused (by a person, or why it paused itself)."""


def debug_status(
    db: Database, *, account_id: str, integration_id: str, sync_timeout: float,
    projection: ProjectionPosition, now: datetime | None = None,
) -> DebugStatus:
    summary = live_row(db, account_id, integration_id)
    now = now or datetime.now(UTC)
    health = db.one(f"SELECT * FROM {HEALTH} WHERE integration_id = ?",
                    (integration_id,)) or {}
    stuck = _stuck(db, summary["running_sync_id"], now, sync_timeout)
    failures = int(health.get("consecutive_failures") or 0)
    schedule = schedule_row(db, integration_id)
    paused = schedule["paused_reason"] if schedule and schedule["paused"] else None
    return DebugStatus(
        integration_id=integration_id,
        health=health_of(health, failures, stuck or _paused_itself(paused)),
        schedule_paused_reason=paused,
        counters=_counters(db, integration_id, health, now), consecutive_failures=failures,
        last_success_at=health.get("last_success_at"),
        last_failure_at=health.get("last_failure_at"), last_error=health.get("last_error"),
        stuck_sync=stuck, current_sync_id=summary["running_sync_id"],
        recent_events=[entry_of_row(r) for r in db.all(
            f"SELECT * FROM {LOG} WHERE integration_id = ? ORDER BY id DESC LIMIT ?",
            (integration_id, RECENT))],
        projection=projection)


def _paused_itself(reason: str | None) -> bool:
    return reason is not None and reason != "paused by a person"


def health_of(health: Row, failures: int, stuck: bool) -> str:
    """The health rule above, for one `integration_health` row (also the console's badges)."""
    if stuck or failures >= 3:
        return "failing"
    if not health.get("last_success_at") and not health.get("last_failure_at"):
        return "unknown"
    return "degraded" if failures else "healthy"


def _stuck(db: Database, sync_id: str | None, now: datetime, timeout: float) -> bool:
    """No progress for the timeout, unless the run is waiting for its next attempt."""
    if sync_id is None:
        return False
    row = db.one(f"SELECT r.last_activity_at, q.next_retry_at FROM {RUNS} r LEFT JOIN {QUEUE} q"
                 " ON q.sync_id = r.sync_id WHERE r.sync_id = ?", (sync_id,))
    if row is None or row["next_retry_at"] is not None:
        return False
    return bool(row["last_activity_at"] < iso(now - timedelta(seconds=timeout)))


def _counters(db: Database, integration_id: str, health: Row, now: datetime) -> Counters:
    """24 h = the current hour and the 23 before it (hourly buckets)."""
    since = iso(now - timedelta(hours=23))[:13]
    sums = db.one(
        "SELECT COALESCE(SUM(sync_success), 0) AS s, COALESCE(SUM(sync_failed), 0) AS f,"
        " COALESCE(SUM(webhooks), 0) AS w, COALESCE(SUM(connection_tests), 0) AS c"
        f" FROM {ACTIVITY} WHERE integration_id = ? AND hour >= ?",
        (integration_id, since)) or {}
    return Counters(events_total=int(health.get("events_total") or 0),
                    sync_success_24h=int(sums["s"]), sync_failed_24h=int(sums["f"]),
                    webhooks_24h=int(sums["w"]), connection_tests_24h=int(sums["c"]))
