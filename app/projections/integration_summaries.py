"""IntegrationSummaries: one row per integration, serving list, detail and lookups by key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from app.aggregates.integration import Integration
from app.aggregates.rules import merge_patch
from app.aggregates.time import iso
from app.database import Tx, json_text
from app.projections.base import Projection, on

_json = json_text


class IntegrationSummaries(Projection):
    name = "integration_summaries"
    tables = {"integration_summaries": "id"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {integration_summaries} ("
        " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, site_id TEXT NOT NULL,"
        " platform TEXT NOT NULL, platform_type TEXT NOT NULL, config_json TEXT NOT NULL,"
        " credential_fields TEXT NOT NULL, api_key_hint TEXT, api_key_hash TEXT,"
        " is_active INTEGER NOT NULL, sync_enabled INTEGER NOT NULL, sync_status TEXT NOT NULL,"
        " running_sync_id TEXT, last_sync_at TEXT, last_success_at TEXT, sync_error TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL,"
        " deleted_at TEXT)",
        "CREATE INDEX IF NOT EXISTS {integration_summaries}_by_account"
        " ON {integration_summaries} (account_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS {integration_summaries}_by_site"
        " ON {integration_summaries} (site_id, platform)",
        "CREATE INDEX IF NOT EXISTS {integration_summaries}_by_key"
        " ON {integration_summaries} (api_key_hash)",
    )

    def _set(self, tx: Tx, event: Any, **columns: Any) -> None:
        """Update the named columns, and the version and time every event moves on."""
        assignments = "".join(f"{column} = ?, " for column in columns)
        tx.execute(
            f"UPDATE {self.t['integration_summaries']} SET {assignments}"
            "version = ?, updated_at = ? WHERE id = ?",
            (*columns.values(), event.originator_version, iso(event.timestamp),
             str(event.originator_id)),
        )

    @on(Integration.Created)
    def _created(self, e: Integration.Created, tx: Tx, position: int) -> None:
        at = iso(e.timestamp)
        creds = e.credentials
        tx.execute(
            f"INSERT INTO {self.t['integration_summaries']} VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'never_synced', NULL, NULL, NULL, NULL,"
            " ?, ?, ?, NULL)",
            (str(e.originator_id), e.account_id, e.site_id, e.platform, e.platform_type,
             _json(e.config), _json(creds["fields"]), creds["api_key_hint"],
             creds["api_key_hash"], int(e.is_active), int(e.sync_enabled), at, at,
             e.originator_version),
        )

    @on(Integration.ConfigChanged)
    def _config_changed(self, e: Integration.ConfigChanged, tx: Tx, position: int) -> None:
        self._change_config(tx, e, lambda config: merge_patch(config, e.patch))

    @on(Integration.StructureUpdated)
    def _structure_updated(self, e: Integration.StructureUpdated, tx: Tx, position: int) -> None:
        self._change_config(tx, e, lambda config: {**config, "content_types": e.content_types})

    def _change_config(self, tx: Tx, e: Any, change: Callable[[Any], Any]) -> None:
        """The one read-modify-write here: config changes are rare next to other events."""
        table = self.t["integration_summaries"]
        current = tx.value(f"SELECT config_json FROM {table} WHERE id = ?",
                           (str(e.originator_id),))
        self._set(tx, e, config_json=_json(change(msgspec.json.decode(current or "{}"))))

    @on(Integration.ShopSynced)
    def _shop_synced(self, e: Integration.ShopSynced, tx: Tx, position: int) -> None:
        shop = {"name": e.name, "domain": e.domain, "currency": e.currency}
        self._change_config(tx, e, lambda config: {**config, "shop": shop})

    @on(Integration.ConnectionTested, Integration.ContentPulled)
    def _observed(self, e: Any, tx: Tx, position: int) -> None:
        self._set(tx, e)

    @on(Integration.CredentialsChanged)
    def _credentials_changed(
        self, e: Integration.CredentialsChanged, tx: Tx, position: int
    ) -> None:
        c = e.credentials
        self._set(tx, e, credential_fields=_json(c["fields"]), api_key_hint=c["api_key_hint"],
                  api_key_hash=c["api_key_hash"])

    @on(Integration.Activated, Integration.Deactivated)
    def _activation(self, e: Any, tx: Tx, position: int) -> None:
        self._set(tx, e, is_active=int(isinstance(e, Integration.Activated)))

    @on(Integration.SyncEnabled, Integration.SyncDisabled)
    def _sync_switch(self, e: Any, tx: Tx, position: int) -> None:
        self._set(tx, e, sync_enabled=int(isinstance(e, Integration.SyncEnabled)))

    @on(Integration.Deleted)
    def _deleted(self, e: Integration.Deleted, tx: Tx, position: int) -> None:
        self._set(tx, e, deleted_at=iso(e.timestamp), is_active=0, api_key_hash=None)

    @on(Integration.SyncRequested)
    def _sync_requested(self, e: Integration.SyncRequested, tx: Tx, position: int) -> None:
        self._set(tx, e, sync_status="pending", running_sync_id=e.sync_id)

    @on(Integration.SyncStarted)
    def _sync_started(self, e: Integration.SyncStarted, tx: Tx, position: int) -> None:
        self._set(tx, e, sync_status="syncing")

    @on(Integration.SyncFinished)
    def _sync_finished(self, e: Integration.SyncFinished, tx: Tx, position: int) -> None:
        success = e.outcome == "success"
        columns: dict[str, Any] = {
            "sync_status": "success" if success else "failed", "running_sync_id": None,
            "last_sync_at": e.finished_at, "sync_error": e.error,
        }
        if success:
            columns["last_success_at"] = e.finished_at
        self._set(tx, e, **columns)
