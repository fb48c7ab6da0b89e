"""IntegrationHealth: running counters per integration and per hour, so debug status costs
the same for ten events or a million (counters are kept here, never counted per request)."""

from __future__ import annotations

from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

SUCCESS, FAILURE = True, False


def integration_of(event: Any) -> str:
    """The integration an event concerns (its own stream, or the one it names)."""
    if isinstance(event, Integration.Event):
        return str(event.originator_id)
    return str(event.integration_id)


def hour_of(event: Any) -> str:
    return iso(event.timestamp)[:13]


def outcome_of(event: Any) -> tuple[bool, str | None] | None:
    """Whether an event is a sync or connection-test outcome, and which (with the error)."""
    if isinstance(event, SyncRun.Completed):
        return SUCCESS, None
    if isinstance(event, SyncRun.Failed):
        return FAILURE, event.error
    if isinstance(event, SyncRun.Abandoned):
        return FAILURE, event.reason
    if isinstance(event, Integration.ConnectionTested):
        return (SUCCESS, None) if event.success else (FAILURE, event.message)
    return None


def activity_of(event: Any) -> tuple[int, int, int, int]:
    """(sync successes, sync failures, webhooks, connection tests) this event adds."""
    outcome = outcome_of(event)
    if isinstance(event, Integration.ConnectionTested):
        return 0, 0, 0, 1
    if outcome is not None:
        return (1, 0, 0, 0) if outcome[0] else (0, 1, 0, 0)
    if isinstance(event, WebhookDelivery.Created):
        return 0, 0, 1, 0
    return 0, 0, 0, 0


HEALTH = Table(
    "integration_health",
    columns={
        "integration_id": "TEXT NOT NULL",
        "events_total": "BIGINT NOT NULL",
        "consecutive_failures": "INTEGER NOT NULL",
        "last_success_at": "TEXT",
        "last_failure_at": "TEXT",
        "last_error": "TEXT",
    },
    key=("integration_id",),
)
ACTIVITY = Table(
    "integration_activity",
    columns={
        "integration_id": "TEXT NOT NULL",
        "hour": "TEXT NOT NULL",
        "sync_success": "INTEGER NOT NULL",
        "sync_failed": "INTEGER NOT NULL",
        "webhooks": "INTEGER NOT NULL",
        "connection_tests": "INTEGER NOT NULL",
    },
    key=("integration_id", "hour"),
)
COUNTS = ("sync_success", "sync_failed", "webhooks", "connection_tests")


class IntegrationHealth(ReadModel):
    name = "integration_health"
    tables = (HEALTH, ACTIVITY)

    @on(Integration.Event, SyncRun.Event, WebhookDelivery.Created)
    def _concerning(self, event: Any, changes: Changeset, position: int) -> None:
        integration_id = integration_of(event)
        health = changes.row(HEALTH, integration_id) or changes.put(
            HEALTH, integration_id=integration_id, events_total=0, consecutive_failures=0
        )
        health["events_total"] += 1
        outcome = outcome_of(event)
        if outcome is not None:
            _record_outcome(health, iso(event.timestamp), *outcome)
        changes.mark(HEALTH, health)
        activity = activity_of(event)
        if any(activity):
            self._count(changes, integration_id, hour_of(event), activity)

    def _count(
        self,
        changes: Changeset,
        integration_id: str,
        hour: str,
        activity: tuple[int, int, int, int],
    ) -> None:
        bucket = changes.row(ACTIVITY, integration_id, hour) or changes.put(
            ACTIVITY, integration_id=integration_id, hour=hour, **dict.fromkeys(COUNTS, 0)
        )
        for name, added in zip(COUNTS, activity, strict=True):
            bucket[name] += added
        changes.mark(ACTIVITY, bucket)


def _record_outcome(health: dict[str, Any], at: str, success: bool, error: str | None) -> None:
    if success:
        health.update(consecutive_failures=0, last_success_at=at)
    else:
        health.update(
            consecutive_failures=health["consecutive_failures"] + 1,
            last_failure_at=at,
            last_error=error,
        )
