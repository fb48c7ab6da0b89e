"""Finds the health issues that time alone brings: a WordPress integration that heard no
webhook for `INTEGRATIONS_HEALTH_WEBHOOKS_SILENT_AFTER` seconds (`webhooks_silent`), a
scheduled run more than `INTEGRATIONS_HEALTH_OVERDUE_GRACE` seconds past its due time
(`sync_overdue`); and resolves them once the condition is over (a webhook arrived, the run
was requested, the schedule or integration was paused).

Every worker process looks, like the scheduler, with no leader: the HealthIssues aggregate
opens an issue only when it is not open, and workers opening one at once collide on its
stream in the store (the loser, retrying, finds it open). Issues open and seen within
`INTEGRATIONS_HEALTH_SEEN_EVERY` are left out of the look, so a quiet fleet costs a few
indexed reads per interval and no writes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.aggregates.health_issues import HealthIssues
from app.aggregates.time import iso
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.database import Row
from app.projections.health_issues import ISSUES, WEBHOOK_WATCH
from app.projections.sync_schedules import SCHEDULES
from app.settings import Settings
from app.sync.clock import Clock

log = logging.getLogger(__name__)
BATCH = 500
NOT_SEEN_LATELY = (
    f"NOT EXISTS (SELECT 1 FROM {ISSUES} i WHERE i.integration_id = x.integration_id"
    " AND i.status = 'open' AND i.kind = ? AND i.last_seen > ?)"
)


class HealthMonitor:
    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store, self.clock = store, clock
        self.silent_after = timedelta(seconds=settings.health_webhooks_silent_after)
        self.grace = timedelta(seconds=settings.health_overdue_grace)
        self.interval = timedelta(seconds=settings.health_check_interval)
        self.seen_every = settings.health_seen_every
        self._next_look: datetime | None = None

    def look_now_and_then(self) -> None:
        now = self.clock.now()
        if self._next_look is None or now >= self._next_look:
            self._next_look = now + self.interval
            self.look()

    def look(self) -> int:
        """Open, see and resolve what the read side shows now; returns the changes made."""
        now = self.clock.now()
        overdue, silent = iso(now - self.grace), iso(now - self.silent_after)
        recent = iso(now - timedelta(seconds=self.seen_every))
        changed = sum(
            self._observe(
                row,
                "sync_overdue",
                row["next_due"],
                f"the run due at {row['next_due']} has not started",
            )
            for row in self._overdue(overdue, recent)
        )
        changed += sum(
            self._observe(
                row, "webhooks_silent", row["quiet_since"], f"no webhook since {row['quiet_since']}"
            )
            for row in self._silent(silent, recent)
        )
        changed += sum(self._resolve(row) for row in self._over(overdue, silent))
        return changed

    def _overdue(self, cutoff: str, recent: str) -> list[Row]:
        return self.store.db.all(
            f"SELECT x.integration_id, x.account_id, x.next_due FROM {SCHEDULES} x"
            f" WHERE x.next_due IS NOT NULL AND x.next_due < ? AND {NOT_SEEN_LATELY}"
            " ORDER BY x.next_due LIMIT ?",
            (cutoff, "sync_overdue", recent, BATCH),
        )

    def _silent(self, cutoff: str, recent: str) -> list[Row]:
        return self.store.db.all(
            f"SELECT x.integration_id, x.account_id, x.quiet_since FROM {WEBHOOK_WATCH} x"
            f" WHERE x.quiet_since IS NOT NULL AND x.quiet_since < ? AND x.live = 1"
            f" AND {NOT_SEEN_LATELY} ORDER BY x.quiet_since LIMIT ?",
            (cutoff, "webhooks_silent", recent, BATCH),
        )

    def _over(self, overdue: str, silent: str) -> list[Row]:
        """Open time-driven issues whose condition no longer holds."""
        return self.store.db.all(
            f"SELECT i.integration_id, i.account_id, i.kind FROM {ISSUES} i"
            f" LEFT JOIN {SCHEDULES} s ON s.integration_id = i.integration_id"
            f" LEFT JOIN {WEBHOOK_WATCH} w ON w.integration_id = i.integration_id"
            " WHERE i.status = 'open' AND ((i.kind = 'sync_overdue'"
            " AND (s.next_due IS NULL OR s.next_due >= ?)) OR (i.kind = 'webhooks_silent'"
            " AND (w.live IS NULL OR w.live = 0 OR w.quiet_since IS NULL"
            " OR w.quiet_since >= ?))) LIMIT ?",
            (overdue, silent, BATCH),
        )

    def _observe(self, row: Row, kind: str, since: str, detail: str) -> int:
        return self._record(
            row,
            lambda issues, at: issues.observe(
                kind, detail=detail, at=at, since=since, seen_every=self.seen_every
            ),
        )

    def _resolve(self, row: Row) -> int:
        kind = row["kind"]
        return self._record(
            row, lambda issues, at: issues.resolve(kind, resolution="the condition is over", at=at)
        )

    def _record(self, row: Row, change: Callable[[HealthIssues, str], None]) -> int:
        ctx = Context(account_id=row["account_id"], actor="system", request_id="health-monitor")

        def attempt() -> int:
            issues = self.store.find(HealthIssues, HealthIssues.create_id(row["integration_id"]))
            issues = issues or HealthIssues(
                integration_id=row["integration_id"], account_id=row["account_id"]
            )
            change(issues, iso(self.clock.now()))
            if not issues.has_news():
                return 0
            self.store.save(issues, ctx=ctx)
            return 1

        try:
            return with_retries(attempt, name="RecordHealthIssue")
        except Exception:  # one integration's trouble must not stop the look for others
            log.exception("health issue of %s not recorded", row["integration_id"])
            return 0
