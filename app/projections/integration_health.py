"""IntegrationHealth: running counters per integration and per hour, so debug status costs
the same for ten events or a million (counters are kept here, never counted per request)."""

from __future__ import annotations

from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.database import Tx
from app.projections.base import Projection

SUCCESS, FAILURE = True, False


def integration_of(event: Any) -> str | None:
    """The integration an event concerns (its own stream, or the one it names)."""
    if isinstance(event, Integration.Event):
        return str(event.originator_id)
    if isinstance(event, SyncRun.Event) or type(event).TOPIC == "integration.webhook_received":
        return str(event.integration_id)
    return None


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
    if type(event).TOPIC == "integration.webhook_received":
        return 0, 0, 1, 0
    return 0, 0, 0, 0


class IntegrationHealth(Projection):
    name = "integration_health"
    tables = {"integration_health": "integration_id",
              "integration_activity": "integration_id, hour"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {integration_health} ("
        " integration_id TEXT PRIMARY KEY, events_total BIGINT NOT NULL,"
        " consecutive_failures INTEGER NOT NULL, last_success_at TEXT, last_failure_at TEXT,"
        " last_error TEXT)",
        "CREATE TABLE IF NOT EXISTS {integration_activity} ("
        " integration_id TEXT NOT NULL, hour TEXT NOT NULL, sync_success INTEGER NOT NULL,"
        " sync_failed INTEGER NOT NULL, webhooks INTEGER NOT NULL,"
        " connection_tests INTEGER NOT NULL, PRIMARY KEY (integration_id, hour))",
    )

    def apply(self, event: Any, tx: Tx, position: int) -> None:
        integration_id = integration_of(event)
        if integration_id is None:
            return
        health = self.t["integration_health"]
        tx.execute(f"INSERT INTO {health} VALUES (?, 1, 0, NULL, NULL, NULL)"
                   " ON CONFLICT (integration_id) DO UPDATE"
                   f" SET events_total = {health}.events_total + 1", (integration_id,))
        outcome = outcome_of(event)
        if outcome is not None:
            self._record_outcome(tx, integration_id, event, *outcome)
        activity = activity_of(event)
        if any(activity):
            self._count(tx, integration_id, hour_of(event), activity)

    def _record_outcome(self, tx: Tx, integration_id: str, event: Any, success: bool,
                        error: str | None) -> None:
        health, at = self.t["integration_health"], iso(event.timestamp)
        if success:
            tx.execute(f"UPDATE {health} SET consecutive_failures = 0, last_success_at = ?"
                       " WHERE integration_id = ?", (at, integration_id))
        else:
            tx.execute(f"UPDATE {health} SET consecutive_failures = consecutive_failures + 1,"
                       " last_failure_at = ?, last_error = ? WHERE integration_id = ?",
                       (at, error, integration_id))

    def _count(self, tx: Tx, integration_id: str, hour: str,
               activity: tuple[int, int, int, int]) -> None:
        table = self.t["integration_activity"]
        tx.execute(
            f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (integration_id, hour)"
            f" DO UPDATE SET sync_success = {table}.sync_success + excluded.sync_success,"
            f" sync_failed = {table}.sync_failed + excluded.sync_failed,"
            f" webhooks = {table}.webhooks + excluded.webhooks,"
            f" connection_tests = {table}.connection_tests + excluded.connection_tests",
            (integration_id, hour, *activity),
        )
