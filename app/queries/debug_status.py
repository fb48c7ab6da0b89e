"""How healthy an integration is, for people debugging it. Everything here is read from
counters kept by projections, so the answer costs the same whatever the history's length.

Health rule:
- `failing`: the last three or more outcomes (syncs and connection tests) failed, or a sync
  made no progress for longer than the sync timeout (stuck);
- `unknown`: no sync has finished and no connection test has run yet;
- `degraded`: the latest outcome failed (one or two in a row);
- `healthy`: the latest outcome succeeded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.aggregates.time import iso
from app.database import Dialect, Row
from app.projections.health_issues import OPEN_ISSUES
from app.projections.integration_health import ACTIVITY, HEALTH
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_event_log import LOG
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.projections.sync_schedules import SCHEDULES
from app.queries.health_issues import HealthIssue, open_issues_of
from app.queries.sync_event_log import SyncEventEntry
from app.reads import Reads

RECENT = 20
RECENT_ENTRIES = msgspec.json.Decoder(list[SyncEventEntry], strict=False)
"""Decodes `recent_entries` (lax: the log keeps `success` as 0 or 1)."""


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
    open_issues: list[HealthIssue] = []
    """Conditions that need a person (the `health_issues` read model), oldest first; each
    resolves after a later success."""


def statement(live: Sequence[str], head: str, dialect: Dialect) -> str:
    """Everything debug status shows, in one statement and one row: the summary joined by
    primary keys to its health counters, current run, schedule, open health issues and 24 h
    sums; the read side's position (`live`: the live generations' tracking names), the
    store's head (`head`: a scalar query) and the recent log entries (as one JSON array) as
    subqueries."""
    marks = ",".join("?" * len(live)) or "NULL"
    return (
        f"SELECT s.running_sync_id, h.events_total, h.consecutive_failures,"
        f" h.last_success_at, h.last_failure_at, h.last_error,"
        f" r.last_activity_at AS run_activity, q.next_retry_at AS run_retry,"
        f" sc.paused AS schedule_paused, sc.paused_reason, a.s24, a.f24, a.w24, a.c24,"
        f" oi.issues AS open_issues,"
        f" (SELECT MIN(position) FROM projection_tracking WHERE name IN ({marks})) AS projected,"
        f" ({head}) AS head, {recent_entries(dialect)} AS recent"
        f" FROM {SUMMARIES} s"
        f" LEFT JOIN {HEALTH} h ON h.integration_id = s.id"
        f" LEFT JOIN {RUNS} r ON r.sync_id = s.running_sync_id"
        f" LEFT JOIN {QUEUE} q ON q.sync_id = s.running_sync_id"
        f" LEFT JOIN {SCHEDULES} sc ON sc.integration_id = s.id AND sc.scheduled = 1"
        f" LEFT JOIN {OPEN_ISSUES} oi ON oi.integration_id = s.id"
        f" LEFT JOIN (SELECT integration_id, SUM(sync_success) AS s24, SUM(sync_failed) AS f24,"
        f" SUM(webhooks) AS w24, SUM(connection_tests) AS c24 FROM {ACTIVITY}"
        f" WHERE integration_id = ? AND hour >= ? GROUP BY integration_id) a"
        f" ON a.integration_id = s.id"
        f" WHERE s.id = ? AND s.account_id = ? AND s.deleted_at IS NULL"
    )


def recent_entries(dialect: Dialect) -> str:
    """The integration's newest log entries as one JSON array (text), which msgspec decodes
    straight into `SyncEventEntry`s: one value to fetch and decode instead of twenty wide rows
    of the summary's columns repeated beside each entry's."""
    fields = ", ".join(f"'{name}', l.{name}" for name in LOG.columns if name != "details")
    if dialect == "postgres":
        entry = f"json_build_object({fields}, 'details', l.details::json)"
        entries = f"json_agg({entry})::text"
    else:
        entry = f"json_object({fields}, 'details', json(l.details))"
        entries = f"json_group_array({entry})"
    return (
        f"(SELECT {entries} FROM (SELECT * FROM {LOG} WHERE integration_id = ?"
        f" ORDER BY id DESC LIMIT {RECENT}) l)"
    )


async def debug_status(
    reads: Reads,
    *,
    account_id: str,
    integration_id: str,
    sync_timeout: float,
    live: Sequence[str],
    head: str,
    now: datetime | None = None,
) -> DebugStatus:
    now = now or datetime.now(UTC)
    since = iso(now - timedelta(hours=23))[:13]
    row = await reads.one(
        statement(live, head, reads.dialect),
        [*live, integration_id, integration_id, since, integration_id, account_id],
    )
    if row is None:
        raise IntegrationNotFound()
    stuck = _stuck(row, now, sync_timeout)
    failures = int(row["consecutive_failures"] or 0)
    paused = row["paused_reason"] if row["schedule_paused"] else None
    position = int(row["projected"] or 0)
    recent = RECENT_ENTRIES.decode(row["recent"] or "[]")
    return DebugStatus(
        integration_id=integration_id,
        health=health_of(row, failures, stuck or _paused_itself(paused)),
        schedule_paused_reason=paused,
        open_issues=open_issues_of(row["open_issues"]),
        counters=_counters(row),
        consecutive_failures=failures,
        last_success_at=row["last_success_at"],
        last_failure_at=row["last_failure_at"],
        last_error=row["last_error"],
        stuck_sync=stuck,
        current_sync_id=row["running_sync_id"],
        recent_events=sorted(recent, key=lambda entry: -entry.id),  # newest first
        projection=ProjectionPosition(
            position=position, lag=max(int(row["head"] or 0) - position, 0)
        ),
    )


def _paused_itself(reason: str | None) -> bool:
    return reason is not None and reason != "paused by a person"


def health_of(health: Row, failures: int, stuck: bool) -> str:
    """The health rule above, for one `integration_health` row (also the console's badges)."""
    if stuck or failures >= 3:
        return "failing"
    if not health.get("last_success_at") and not health.get("last_failure_at"):
        return "unknown"
    return "degraded" if failures else "healthy"


def _stuck(row: Row, now: datetime, timeout: float) -> bool:
    """No progress for the timeout, unless the run is waiting for its next attempt."""
    if row["running_sync_id"] is None or row["run_activity"] is None or row["run_retry"]:
        return False
    return bool(row["run_activity"] < iso(now - timedelta(seconds=timeout)))


def _counters(row: Row) -> Counters:
    """24 h = the current hour and the 23 before it (hourly buckets)."""
    return Counters(
        events_total=int(row["events_total"] or 0),
        sync_success_24h=int(row["s24"] or 0),
        sync_failed_24h=int(row["f24"] or 0),
        webhooks_24h=int(row["w24"] or 0),
        connection_tests_24h=int(row["c24"] or 0),
    )
