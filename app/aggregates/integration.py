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
from app.aggregates.time import iso

SYNC_OUTCOMES = ("success", "failed", "abandoned")


class SealedCredentials(TypedDict):
    """Credentials as stored: ciphertext plus what may be shown without decrypting."""

    ciphertext: str
    fields: list[str]
    api_key_hint: str | None
    api_key_hash: str | None


class Integration(EventSourced):
    TOPIC = "integration"
    id: UUID  # chosen by the command, so credentials can be bound to it before creation

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

    def request_sync(self, *, sync_id: str, direction: str) -> None:
        self.ensure_live()
        if not self.is_active:
            raise IntegrationInactive("the integration is inactive")
        if not self.sync_enabled:
            raise Conflict("sync is disabled for this integration")
        if self.running_sync_id is not None:
            raise SyncAlreadyRunning(f"sync {self.running_sync_id} is still running")
        self._sync_requested(sync_id=sync_id, direction=direction)

    class SyncRequested(EventSourced.Event):
        TOPIC = "integration.sync_requested"
        sync_id: str
        direction: str

    @event(SyncRequested)
    def _sync_requested(self, sync_id: str, direction: str) -> None:
        self.running_sync_id = sync_id
        self.sync_status = "pending"

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
    ) -> None:
        if self.running_sync_id == sync_id and outcome in SYNC_OUTCOMES:
            self._sync_finished(
                sync_id=sync_id,
                outcome=outcome,
                error=error,
                finished_at=iso(finished_at),
                watermark=watermark,
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
        self.sync_status = "success" if outcome == "success" else "failed"
        self.last_sync_at = finished_at
        self.sync_error = error
        if outcome == "success":
            self.last_success_at = finished_at
            self.pull_watermark = watermark or self.pull_watermark

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
