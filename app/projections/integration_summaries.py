"""IntegrationSummaries: one row per integration, serving list, detail and lookups by key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app.aggregates.integration import Integration, settled_status
from app.aggregates.rules import merge_patch
from app.aggregates.time import iso
from app.database import json_text
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

SUMMARIES = Table(
    "integration_summaries",
    columns={
        "id": "TEXT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "site_id": "TEXT NOT NULL",
        "platform": "TEXT NOT NULL",
        "platform_type": "TEXT NOT NULL",
        "config_json": "TEXT NOT NULL",
        "credential_fields": "TEXT NOT NULL",
        "api_key_hint": "TEXT",
        "api_key_hash": "TEXT",
        "is_active": "INTEGER NOT NULL",
        "sync_enabled": "INTEGER NOT NULL",
        "sync_status": "TEXT NOT NULL",
        "running_sync_id": "TEXT",
        "last_run_id": "TEXT",
        "last_sync_at": "TEXT",
        "last_success_at": "TEXT",
        "sync_error": "TEXT",
        "created_at": "TEXT NOT NULL",
        "updated_at": "TEXT NOT NULL",
        "version": "INTEGER NOT NULL",
        "deleted_at": "TEXT",
    },
    key=("id",),
    indexes=(("account_id", "created_at", "id"), ("site_id", "platform"), ("api_key_hash",)),
)


class IntegrationSummaries(ReadModel):
    name = "integration_summaries"
    tables = (SUMMARIES,)

    def _set(self, changes: Changeset, e: Any, **columns: Any) -> None:
        """Change the named columns, and the version and time every event moves on."""
        changes.change(
            SUMMARIES,
            (str(e.originator_id),),
            version=e.originator_version,
            updated_at=iso(e.timestamp),
            **columns,
        )

    def _change_config(self, changes: Changeset, e: Any, change: Callable[[Any], Any]) -> None:
        row = changes.row(SUMMARIES, str(e.originator_id))
        if row is not None:
            config = change(msgspec.json.decode(row["config_json"]))
            self._set(changes, e, config_json=json_text(config))

    @on(Integration.Created)
    def _created(self, e: Integration.Created, changes: Changeset, position: int) -> None:
        at, creds = iso(e.timestamp), e.credentials
        changes.put(
            SUMMARIES,
            id=str(e.originator_id),
            account_id=e.account_id,
            site_id=e.site_id,
            platform=e.platform,
            platform_type=e.platform_type,
            config_json=json_text(e.config),
            credential_fields=json_text(creds["fields"]),
            api_key_hint=creds["api_key_hint"],
            api_key_hash=creds["api_key_hash"],
            is_active=int(e.is_active),
            sync_enabled=int(e.sync_enabled),
            sync_status="never_synced",
            created_at=at,
            updated_at=at,
            version=e.originator_version,
        )

    @on(Integration.ConfigChanged)
    def _config_changed(
        self, e: Integration.ConfigChanged, changes: Changeset, position: int
    ) -> None:
        self._change_config(changes, e, lambda config: merge_patch(config, e.patch))

    @on(Integration.StructureUpdated)
    def _structure(
        self, e: Integration.StructureUpdated, changes: Changeset, position: int
    ) -> None:
        self._change_config(changes, e, lambda config: {**config, "content_types": e.content_types})

    @on(Integration.ShopSynced)
    def _shop_synced(self, e: Integration.ShopSynced, changes: Changeset, position: int) -> None:
        shop = {"name": e.name, "domain": e.domain, "currency": e.currency}
        self._change_config(changes, e, lambda config: {**config, "shop": shop})

    @on(Integration.CredentialsChanged)
    def _credentials(
        self, e: Integration.CredentialsChanged, changes: Changeset, position: int
    ) -> None:
        c = e.credentials
        self._set(
            changes,
            e,
            credential_fields=json_text(c["fields"]),
            api_key_hint=c["api_key_hint"],
            api_key_hash=c["api_key_hash"],
        )

    @on(Integration.Activated, Integration.Deactivated)
    def _activation(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, is_active=int(isinstance(e, Integration.Activated)))

    @on(Integration.SyncEnabled, Integration.SyncDisabled)
    def _sync_switch(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e, sync_enabled=int(isinstance(e, Integration.SyncEnabled)))

    @on(Integration.Deleted)
    def _deleted(self, e: Integration.Deleted, changes: Changeset, position: int) -> None:
        self._set(changes, e, deleted_at=iso(e.timestamp), is_active=0, api_key_hash=None)

    @on(Integration.ConnectionTested, Integration.ContentPulled)
    def _observed(self, e: Any, changes: Changeset, position: int) -> None:
        self._set(changes, e)

    @on(Integration.SyncRequested)
    def _sync_requested(
        self, e: Integration.SyncRequested, changes: Changeset, position: int
    ) -> None:
        self._set(changes, e, sync_status="pending", running_sync_id=e.sync_id)

    @on(Integration.SyncStarted)
    def _sync_started(self, e: Integration.SyncStarted, changes: Changeset, position: int) -> None:
        self._set(changes, e, sync_status="syncing")

    @on(Integration.SyncFinished)
    def _sync_finished(
        self, e: Integration.SyncFinished, changes: Changeset, position: int
    ) -> None:
        if e.outcome == "cancelled":
            self._sync_cancelled(e, changes)
            return
        success = e.outcome == "success"
        columns: dict[str, Any] = {
            "sync_status": "success" if success else "failed",
            "running_sync_id": None,
            "last_run_id": e.sync_id,
            "last_sync_at": e.finished_at,
            "sync_error": e.error,
        }
        if success:
            columns["last_success_at"] = e.finished_at
        self._set(changes, e, **columns)

    def _sync_cancelled(self, e: Integration.SyncFinished, changes: Changeset) -> None:
        """A cancelled run leaves the status the last finished run left."""
        row = changes.row(SUMMARIES, str(e.originator_id))
        if row is not None:
            self._set(
                changes,
                e,
                running_sync_id=None,
                last_run_id=e.sync_id,
                sync_status=settled_status(row["last_sync_at"], row["last_success_at"]),
            )
