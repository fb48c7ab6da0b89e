"""An integration between one site and one external platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

from eventsourcing.domain import event

from app.aggregates.base import EventSourced
from app.aggregates.errors import (
    Conflict,
    IntegrationInactive,
    IntegrationNotFound,
    StaleVersion,
    SyncAlreadyRunning,
)
from app.aggregates.rules import merge_patch
from app.aggregates.schedule import next_due
from app.aggregates.time import iso

SYNC_OUTCOMES = ("success", "failed", "abandoned", "cancelled")
CREDENTIALS_REJECTED = (
    "the platform rejected the credentials (HTTP 401/403); fix them, then resume the schedule"
)


class SealedCredentials(TypedDict):
    """Credentials as stored: ciphertext plus what may be shown without decrypting."""

    ciphertext: str
    fields: list[str]
    api_key_hint: str | None
    api_key_hash: str | None


class Integration(EventSourced):
    TOPIC = "integration"
    id: UUID  # chosen by the command, so credentials can be bound to it before creation
    # Defaults for state added after the first release (snapshots taken before lack it).
    schedule: dict[str, Any] | None = None
    failed_runs: int = 0

    class Created(EventSourced.Created):
        TOPIC = "integration.created"
        account_id: str
        site_id: str
        platform: str
        platform_type: str
        config: dict[str, Any]
        credentials: SealedCredentials
        is_active: bool
        sync_enabled: bool

    @event(Created)
    def __init__(
        self,
        *,
        account_id: str,
        site_id: str,
        platform: str,
        platform_type: str,
        config: dict[str, Any],
        credentials: SealedCredentials,
        is_active: bool,
        sync_enabled: bool,
    ) -> None:
        self.account_id = account_id
        self.site_id = site_id
        self.platform = platform
        self.platform_type = platform_type
        self.config = config
        self.credentials = credentials
        self.is_active = is_active
        self.sync_enabled = sync_enabled
        self.deleted = False
        self.sync_status = "never_synced"
        self.running_sync_id: str | None = None
        self.last_sync_at: str | None = None
        self.last_success_at: str | None = None
        self.sync_error: str | None = None
        self.pull_watermark: str | None = None

    # -- rules -------------------------------------------------------------------------

    def ensure_live(self) -> None:
        if self.deleted:
            raise IntegrationNotFound()

    def ensure_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise StaleVersion(f"version is {self.version}, If-Match named {expected}")

    # -- configuration -----------------------------------------------------------------

    def change_config(self, patch: dict[str, Any]) -> None:
        self.ensure_live()
        if merge_patch(self.config, patch) != self.config:
            self._config_changed(patch=patch)

    class ConfigChanged(EventSourced.Event):
        TOPIC = "integration.config_changed"
        patch: dict[str, Any]

    @event(ConfigChanged)
    def _config_changed(self, patch: dict[str, Any]) -> None:
        self.config = merge_patch(self.config, patch)

    def replace_credentials(self, credentials: SealedCredentials) -> None:
        self.ensure_live()
        self._credentials_changed(credentials=credentials)

    class CredentialsChanged(EventSourced.Event):
        TOPIC = "integration.credentials_changed"
        credentials: SealedCredentials

    @event(CredentialsChanged)
    def _credentials_changed(self, credentials: SealedCredentials) -> None:
        self.credentials = credentials

    def set_active(self, active: bool) -> None:
        self.ensure_live()
        if active and not self.is_active:
            self._activated()
        elif not active and self.is_active:
            self._deactivated()

    class Activated(EventSourced.Event):
        TOPIC = "integration.activated"

    @event(Activated)
    def _activated(self) -> None:
        self.is_active = True

    class Deactivated(EventSourced.Event):
        TOPIC = "integration.deactivated"

    @event(Deactivated)
    def _deactivated(self) -> None:
        self.is_active = False

    def set_sync_enabled(self, enabled: bool) -> None:
        self.ensure_live()
        if enabled and not self.sync_enabled:
            self._sync_enabled()
        elif not enabled and self.sync_enabled:
            self._sync_disabled()

    class SyncEnabled(EventSourced.Event):
        TOPIC = "integration.sync_enabled"

    @event(SyncEnabled)
    def _sync_enabled(self) -> None:
        self.sync_enabled = True
        if self.schedule is not None and not self.schedule["paused"]:
            self.schedule = {**self.schedule, "anchor": iso(self.modified_on), "immediate": True}

    class SyncDisabled(EventSourced.Event):
        TOPIC = "integration.sync_disabled"

    @event(SyncDisabled)
    def _sync_disabled(self) -> None:
        self.sync_enabled = False

    def delete(self) -> None:
        self.ensure_live()
        self._deleted()

    class Deleted(EventSourced.Event):
        TOPIC = "integration.deleted"

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
        self.is_active = False

    # -- observations from the platform ------------------------------------------------

    def record_connection_test(
        self, *, success: bool, message: str, details: dict[str, Any], duration_ms: int
    ) -> None:
        self.ensure_live()
        self._connection_tested(
            success=success, message=message, details=details, duration_ms=duration_ms
        )

    class ConnectionTested(EventSourced.Event):
        TOPIC = "integration.connection_tested"
        success: bool
        message: str
        details: dict[str, Any]
        duration_ms: int

    @event(ConnectionTested)
    def _connection_tested(
        self, success: bool, message: str, details: dict[str, Any], duration_ms: int
    ) -> None:
        pass

    def update_structure(self, *, content_types: dict[str, Any], source: str) -> None:
        self.ensure_live()
        self._structure_updated(content_types=content_types, source=source)

    class StructureUpdated(EventSourced.Event):
        TOPIC = "integration.structure_updated"
        content_types: dict[str, Any]
        source: str

    @event(StructureUpdated)
    def _structure_updated(self, content_types: dict[str, Any], source: str) -> None:
        self.config = {**self.config, "content_types": content_types}

    # -- syncs -------------------------------------------------------------------------

    def request_sync(self, *, sync_id: str, direction: str, due_at: str | None = None) -> None:
        """`due_at` names the schedule's due time a scheduled run is for (requested once)."""
        self.ensure_live()
        if not self.is_active:
            raise IntegrationInactive("the integration is inactive")
        if not self.sync_enabled:
            raise Conflict("sync is disabled for this integration")
        if self.running_sync_id is not None:
            raise SyncAlreadyRunning(f"sync {self.running_sync_id} is still running")
        if due_at is not None:
            self._ensure_due(due_at)
        self._sync_requested(sync_id=sync_id, direction=direction, due_at=due_at)

    def _ensure_due(self, due_at: str) -> None:
        if self.schedule is None or self.schedule["paused"]:
            raise Conflict("the integration has no active schedule")
        if iso(next_due(self.schedule)) > due_at:
            raise Conflict(f"the schedule's run due at {due_at} was requested already")

    class SyncRequested(EventSourced.Event):
        """v2 added `due_at`: the schedule's due time, for scheduled runs."""

        TOPIC = "integration.sync_requested"
        class_version = 2
        sync_id: str
        direction: str
        due_at: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["due_at"] = None

    @event(SyncRequested)
    def _sync_requested(self, sync_id: str, direction: str, due_at: str | None) -> None:
        self.running_sync_id = sync_id
        self.sync_status = "pending"
        if due_at is not None and self.schedule is not None:
            self.schedule = {**self.schedule, "last_due": due_at}

    def start_sync(self, sync_id: str) -> None:
        if self.running_sync_id == sync_id and self.sync_status == "pending":
            self._sync_started(sync_id=sync_id)

    class SyncStarted(EventSourced.Event):
        TOPIC = "integration.sync_started"
        sync_id: str

    @event(SyncStarted)
    def _sync_started(self, sync_id: str) -> None:
        self.sync_status = "syncing"

    def finish_sync(
        self,
        *,
        sync_id: str,
        outcome: str,
        error: str | None,
        finished_at: datetime,
        watermark: str | None = None,
        credentials_rejected: bool = False,
        pause_after: int = 0,
    ) -> None:
        """End the run; a schedule pauses itself after `pause_after` failed runs in a row
        (0: never) or at once when the platform rejected the credentials."""
        if self.running_sync_id == sync_id and outcome in SYNC_OUTCOMES:
            self._sync_finished(
                sync_id=sync_id,
                outcome=outcome,
                error=error,
                finished_at=iso(finished_at),
                watermark=watermark,
            )
            self._auto_pause(credentials_rejected, pause_after)

    def _auto_pause(self, credentials_rejected: bool, pause_after: int) -> None:
        if self.schedule is None or self.schedule["paused"]:
            return
        if credentials_rejected:
            self._schedule_auto_paused(reason=CREDENTIALS_REJECTED)
        elif pause_after and self.failed_runs >= pause_after:
            self._schedule_auto_paused(
                reason=f"{self.failed_runs} runs in a row failed; "
                "last error: " + (self.sync_error or "unknown")
            )

    class SyncFinished(EventSourced.Event):
        """v2 added `watermark`: the newest `modified_at` a successful pull saw."""

        TOPIC = "integration.sync_finished"
        class_version = 2
        sync_id: str
        outcome: str
        error: str | None
        finished_at: str
        watermark: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["watermark"] = None

    @event(SyncFinished)
    def _sync_finished(
        self,
        sync_id: str,
        outcome: str,
        error: str | None,
        finished_at: str,
        watermark: str | None,
    ) -> None:
        self.running_sync_id = None
        if outcome == "cancelled":
            self.sync_status = settled_status(self.last_sync_at, self.last_success_at)
            return
        self.sync_status = "success" if outcome == "success" else "failed"
        self.last_sync_at = finished_at
        self.sync_error = error
        self.failed_runs = 0 if outcome == "success" else self.failed_runs + 1
        if outcome == "success":
            self.last_success_at = finished_at
            self.pull_watermark = watermark or self.pull_watermark

    # -- schedule ----------------------------------------------------------------------

    def set_schedule(
        self, *, direction: str, every: int | None, cron: str | None, paused: bool, now: str
    ) -> None:
        """Replace the schedule; un-pausing one starts a run at once."""
        self.ensure_live()
        self._schedule_set(direction=direction, every=every, cron=cron, paused=paused, anchor=now)

    class ScheduleSet(EventSourced.Event):
        TOPIC = "integration.schedule_set"
        direction: str
        every: int | None
        """Seconds between runs (None with `cron`)."""
        cron: str | None
        paused: bool
        anchor: str

    @event(ScheduleSet)
    def _schedule_set(
        self, direction: str, every: int | None, cron: str | None, paused: bool, anchor: str
    ) -> None:
        before = self.schedule
        resumed = before is not None and before["paused"] and not paused
        self.schedule = {
            "direction": direction,
            "every": every,
            "cron": cron,
            "paused": paused,
            "paused_reason": "paused by a person" if paused else None,
            "anchor": anchor,
            "immediate": resumed,
            "last_due": before["last_due"] if before else None,
        }

    def remove_schedule(self) -> None:
        self.ensure_live()
        if self.schedule is not None:
            self._schedule_removed()

    class ScheduleRemoved(EventSourced.Event):
        TOPIC = "integration.schedule_removed"

    @event(ScheduleRemoved)
    def _schedule_removed(self) -> None:
        self.schedule = None

    class ScheduleAutoPaused(EventSourced.Event):
        TOPIC = "integration.schedule_auto_paused"
        reason: str

    @event(ScheduleAutoPaused)
    def _schedule_auto_paused(self, reason: str) -> None:
        assert self.schedule is not None
        self.schedule = {**self.schedule, "paused": True, "paused_reason": reason}

    # -- content -----------------------------------------------------------------------

    def record_content_pull(self, **pulled: Any) -> None:
        """One item pulled on request (`sync-wordpress-content`), or why it could not be."""
        self.ensure_live()
        self._content_pulled(**pulled)

    class ContentPulled(EventSourced.Event):
        TOPIC = "integration.content_pulled"
        content_id: str
        external_id: int | None
        post_type: str | None
        item: dict[str, Any] | None
        success: bool
        error: str | None
        duration_ms: int

    @event(ContentPulled)
    def _content_pulled(
        self,
        content_id: str,
        external_id: int | None,
        post_type: str | None,
        item: dict[str, Any] | None,
        success: bool,
        error: str | None,
        duration_ms: int,
    ) -> None:
        pass

    def record_shop(self, *, name: str, domain: str, currency: str) -> None:
        self.ensure_live()
        self._shop_synced(name=name, domain=domain, currency=currency)

    class ShopSynced(EventSourced.Event):
        TOPIC = "integration.shop_synced"
        name: str
        domain: str
        currency: str

    @event(ShopSynced)
    def _shop_synced(self, name: str, domain: str, currency: str) -> None:
        self.config = {
            **self.config,
            "shop": {"name": name, "domain": domain, "currency": currency},
        }


def settled_status(last_sync_at: str | None, last_success_at: str | None) -> str:
    """The status a cancelled run leaves: that of the last run that finished."""
    if last_sync_at is None:
        return "never_synced"
    return "success" if last_success_at == last_sync_at else "failed"
