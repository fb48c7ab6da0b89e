"""The conditions of one integration that need a person: each kind is open at most once at a
time, from its opening to its resolution. The stream id is derived from the integration, so
writers that observe the same condition at once collide in the store and the second one,
reloading, finds the issue open already.

Seeing an open issue again records `health_issue_seen` only when the last sighting is older
than `seen_every` seconds: `last_seen` is exact within that, and a condition observed every
minute for a week costs a few hundred events, not ten thousand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from app.aggregates.base import EventSourced
from app.aggregates.time import parse_iso

NAMESPACE = UUID("0b5e7f3a-6c2d-4e8b-9f14-7a3d2c9e5b61")
KINDS = (
    "credentials_rejected",
    "sync_failing",
    "schedule_auto_paused",
    "webhooks_silent",
    "sync_overdue",
)
DETAIL_MAX = 500
REJECTED_CODES = ("unauthorized", "forbidden")


@dataclass(frozen=True)
class HealthRules:
    failing_after: int = 3
    """Failed runs in a row that open `sync_failing` (0: never)."""
    seen_every: float = 3600.0
    """Seconds between two recorded sightings of an open issue."""


class HealthIssues(EventSourced):
    TOPIC = "health_issues"

    @staticmethod
    def create_id(integration_id: str) -> UUID:
        return uuid5(NAMESPACE, integration_id)

    class Created(EventSourced.Created):
        TOPIC = "integration.health_watched"
        integration_id: str
        account_id: str

    @event(Created)
    def __init__(self, *, integration_id: str, account_id: str) -> None:
        self.integration_id = integration_id
        self.account_id = account_id
        self.open: dict[str, dict[str, Any]] = {}
        """kind -> {number, opened_at, last_seen, since}"""
        self.opened = 0

    def observe(
        self,
        kind: str,
        *,
        detail: str,
        at: str,
        since: str | None = None,
        seen_every: float = 3600.0,
    ) -> None:
        """The condition holds at `at`: open the issue, or note it is still there."""
        if kind not in KINDS:
            raise ValueError(f"unknown health issue kind {kind!r}")
        issue = self.open.get(kind)
        if issue is None:
            self._opened(
                integration_id=self.integration_id,
                kind=kind,
                number=self.opened + 1,
                detail=detail[:DETAIL_MAX],
                at=at,
                since=since,
            )
        elif parse_iso(at) - parse_iso(issue["last_seen"]) >= timedelta(seconds=seen_every):
            self._seen(
                integration_id=self.integration_id,
                kind=kind,
                number=issue["number"],
                detail=detail[:DETAIL_MAX],
                at=at,
            )

    def resolve(self, kind: str, *, resolution: str, at: str) -> None:
        """The condition is over (a later success); nothing to do when it was not open."""
        issue = self.open.get(kind)
        if issue is not None:
            self._resolved(
                integration_id=self.integration_id,
                kind=kind,
                number=issue["number"],
                resolution=resolution,
                at=at,
            )

    def is_open(self, kind: str) -> bool:
        return kind in self.open

    # -- outcomes: failures open an issue, a later success resolves it ----------------

    def sync_finished(
        self,
        *,
        outcome: str,
        error: str | None,
        failed_runs: int,
        credentials_rejected: bool,
        at: str,
        rules: HealthRules,
    ) -> None:
        if outcome == "success":
            for kind in ("credentials_rejected", "sync_failing"):
                self.resolve(kind, resolution="a sync succeeded", at=at)
        elif outcome in ("failed", "abandoned"):
            last = error or "unknown error"
            if credentials_rejected:
                self.observe(
                    "credentials_rejected", detail=last, at=at, seen_every=rules.seen_every
                )
            if rules.failing_after and failed_runs >= rules.failing_after:
                self.observe(
                    "sync_failing",
                    at=at,
                    seen_every=rules.seen_every,
                    detail=f"{failed_runs} runs in a row failed; last error: {last}",
                )

    def connection_tested(
        self, *, success: bool, code: str, message: str, at: str, rules: HealthRules
    ) -> None:
        if success:
            self.resolve("credentials_rejected", resolution="a connection test succeeded", at=at)
        elif code in REJECTED_CODES:
            self.observe("credentials_rejected", detail=message, at=at, seen_every=rules.seen_every)

    def schedule_paused_itself(self, *, reason: str, at: str) -> None:
        self.observe("schedule_auto_paused", detail=reason, at=at)

    def schedule_resumed(self, *, at: str) -> None:
        self.resolve("schedule_auto_paused", resolution="the schedule was resumed", at=at)

    def has_news(self) -> bool:
        """Whether there is anything to save beyond the stream's creation."""
        return any(not isinstance(e, HealthIssues.Created) for e in self.pending_events)

    class Opened(EventSourced.Event):
        TOPIC = "integration.health_issue_opened"
        integration_id: str
        kind: str
        number: int
        detail: str
        at: str
        since: str | None
        """When the condition began, where known (the last webhook, the missed due time)."""

    @event(Opened)
    def _opened(
        self, integration_id: str, kind: str, number: int, detail: str, at: str, since: str | None
    ) -> None:
        self.opened = number
        self.open = {
            **self.open,
            kind: {"number": number, "opened_at": at, "last_seen": at, "since": since},
        }

    class Seen(EventSourced.Event):
        TOPIC = "integration.health_issue_seen"
        integration_id: str
        kind: str
        number: int
        detail: str
        at: str

    @event(Seen)
    def _seen(self, integration_id: str, kind: str, number: int, detail: str, at: str) -> None:
        self.open = {**self.open, kind: {**self.open[kind], "last_seen": at}}

    class Resolved(EventSourced.Event):
        TOPIC = "integration.health_issue_resolved"
        integration_id: str
        kind: str
        number: int
        resolution: str
        at: str

    @event(Resolved)
    def _resolved(
        self, integration_id: str, kind: str, number: int, resolution: str, at: str
    ) -> None:
        self.open = {k: v for k, v in self.open.items() if k != kind}
