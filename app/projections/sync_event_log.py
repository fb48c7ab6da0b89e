"""SyncEventLog: the per-integration log of syncs, tests, structure, content and webhooks.

The log is derived, never written directly: `entry_for` is a pure function from one domain
event to zero or one entry, so rebuilding the log from the events gives the live log."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.database import json_text
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on


class LogEntry(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    event_type: str
    action: str
    success: bool | None = None
    content_id: str | None = None
    external_id: int | None = None
    details: dict[str, Any] = {}
    error_message: str | None = None
    duration_ms: int | None = None


def entry_for(event: Any) -> LogEntry | None:
    """The log entry an event stands for, if any."""
    mapping = _MAPPINGS.get(type(event))
    return None if mapping is None else mapping(event)


def _config(action: str, **details: Any) -> Any:
    def entry(e: Any) -> LogEntry:
        data = {key: (value(e) if callable(value) else value) for key, value in details.items()}
        return LogEntry(
            integration_id=str(e.originator_id),
            event_type="config",
            action=action,
            success=True,
            details=data,
        )

    return entry


def _connection_tested(e: Integration.ConnectionTested) -> LogEntry:
    return LogEntry(
        integration_id=str(e.originator_id),
        event_type="connection_test",
        action="test",
        success=e.success,
        details={"message": e.message, **e.details},
        error_message=None if e.success else e.message,
        duration_ms=e.duration_ms,
    )


def _structure_updated(e: Integration.StructureUpdated) -> LogEntry:
    types = e.content_types
    return LogEntry(
        integration_id=str(e.originator_id),
        event_type="structure",
        action="update",
        success=True,
        details={
            "source": e.source,
            "post_types": len(types.get("post_types") or {}),
            "taxonomies": len(types.get("taxonomies") or {}),
        },
    )


def _run(action: str | None = None) -> Any:
    """Run lifecycle entries; `action` defaults to the run's direction."""

    def entry(e: Any) -> LogEntry:
        outcome = {SyncRun.Completed: True, SyncRun.Failed: False, SyncRun.Abandoned: False}
        details: dict[str, Any] = {"sync_id": str(e.originator_id)}
        if isinstance(e, SyncRun.Created):
            details |= {
                "direction": e.direction,
                "content_types": e.content_types,
                "items": len(e.items),
            }
        if hasattr(e, "counts"):
            details["counts"] = e.counts
        return LogEntry(
            integration_id=e.integration_id,
            event_type="sync",
            action=action or e.direction,
            success=outcome.get(type(e)),
            details=details,
            error_message=getattr(e, "error", None) or getattr(e, "reason", None),
            duration_ms=getattr(e, "duration_ms", None),
        )

    return entry


def _pushed(e: SyncRun.ContentPushed) -> LogEntry:
    result = e.result
    return LogEntry(
        integration_id=e.integration_id,
        event_type="content",
        action="push",
        success=bool(result.get("success")),
        content_id=result.get("content_id"),
        external_id=result.get("external_id"),
        error_message=result.get("error"),
        details={
            "sync_id": str(e.originator_id),
            "action": result.get("action"),
            "post_type": result.get("post_type"),
        },
    )


def _pulled_page(e: SyncRun.ContentPulled) -> LogEntry:
    return LogEntry(
        integration_id=e.integration_id,
        event_type="content",
        action="pull",
        success=True,
        details={"sync_id": str(e.originator_id), "items": len(e.items)},
    )


def _pulled_one(e: Integration.ContentPulled) -> LogEntry:
    return LogEntry(
        integration_id=str(e.originator_id),
        event_type="content",
        action="pull",
        success=e.success,
        content_id=e.content_id,
        external_id=e.external_id,
        error_message=e.error,
        duration_ms=e.duration_ms,
        details={"post_type": e.post_type, "title": (e.item or {}).get("title")},
    )


def _claimed(e: SyncRun.Claimed) -> LogEntry:
    return LogEntry(
        integration_id=e.integration_id,
        event_type="sync",
        action="claimed",
        details={
            "sync_id": str(e.originator_id),
            "worker": e.worker,
            "attempt": e.attempt,
            "lease_until": e.lease_until,
        },
    )


def _retry_scheduled(e: SyncRun.RetryScheduled) -> LogEntry:
    return LogEntry(
        integration_id=e.integration_id,
        event_type="sync",
        action="retry_scheduled",
        success=False,
        error_message=e.error,
        details={
            "sync_id": str(e.originator_id),
            "attempt": e.attempt,
            "next_retry_at": e.next_retry_at,
        },
    )


def _deleted(e: SyncRun.ContentDeleted) -> LogEntry:
    statuses = [item["status"] for item in e.items]
    return LogEntry(
        integration_id=e.integration_id,
        event_type="content",
        action="delete",
        success=True,
        details={
            "sync_id": str(e.originator_id),
            "trashed": statuses.count("trash"),
            "deleted": statuses.count("deleted"),
            "external_ids": [item["external_id"] for item in e.items],
        },
    )


def _auto_paused(e: Integration.ScheduleAutoPaused) -> LogEntry:
    return LogEntry(
        integration_id=str(e.originator_id),
        event_type="config",
        action="schedule_auto_paused",
        success=False,
        error_message=e.reason,
    )


def _shop_synced(e: Integration.ShopSynced) -> LogEntry:
    return LogEntry(
        integration_id=str(e.originator_id),
        event_type="structure",
        action="shop_info",
        success=True,
        details={"name": e.name, "domain": e.domain, "currency": e.currency},
    )


def _webhook(e: WebhookDelivery.Created) -> LogEntry:
    details: dict[str, Any] = {"delivery_id": e.delivery_id}
    if e.kind == "status":
        details |= {"status": e.status, "post_type": e.post_type, "modified_at": e.modified_at}
    else:
        details["metadata_keys"] = sorted(e.metadata or {})
    return LogEntry(
        integration_id=e.integration_id,
        event_type="webhook",
        action=e.kind,
        success=True,
        content_id=e.content_id,
        external_id=e.post_id,
        details=details,
    )


_MAPPINGS: dict[type, Any] = {
    SyncRun.Created: _run("requested"),
    SyncRun.Started: _run("started"),
    SyncRun.Completed: _run(),
    SyncRun.Failed: _run(),
    SyncRun.Abandoned: _run("abandoned"),
    SyncRun.Cancelled: _run("cancelled"),
    SyncRun.CancelRequested: _run("cancel_requested"),
    SyncRun.Released: _run("released"),
    SyncRun.Claimed: _claimed,
    SyncRun.RetryScheduled: _retry_scheduled,
    SyncRun.ContentDeleted: _deleted,
    Integration.ScheduleSet: _config(
        "schedule_set",
        direction=lambda e: e.direction,
        every=lambda e: e.every,
        cron=lambda e: e.cron,
        paused=lambda e: e.paused,
    ),
    Integration.ScheduleRemoved: _config("schedule_removed"),
    Integration.ScheduleAutoPaused: _auto_paused,
    SyncRun.ContentPushed: _pushed,
    SyncRun.ContentPulled: _pulled_page,
    Integration.ContentPulled: _pulled_one,
    Integration.ShopSynced: _shop_synced,
    Integration.Created: _config(
        "created",
        platform=lambda e: e.platform,
        credential_fields=lambda e: e.credentials["fields"],
    ),
    Integration.ConfigChanged: _config("config_changed", keys=lambda e: sorted(e.patch)),
    Integration.CredentialsChanged: _config(
        "credentials_changed", fields=lambda e: e.credentials["fields"]
    ),
    Integration.Activated: _config("activated"),
    Integration.Deactivated: _config("deactivated"),
    Integration.SyncEnabled: _config("sync_enabled"),
    Integration.SyncDisabled: _config("sync_disabled"),
    Integration.Deleted: _config("deleted"),
    Integration.ConnectionTested: _connection_tested,
    Integration.StructureUpdated: _structure_updated,
    WebhookDelivery.Created: _webhook,
}


SITES = Table(
    "sync_log_sites",
    columns={"integration_id": "TEXT NOT NULL", "site_id": "TEXT NOT NULL"},
    key=("integration_id",),
)
LOG = Table(
    "sync_event_log",
    columns={
        "id": "BIGINT NOT NULL",
        "integration_id": "TEXT NOT NULL",
        "site_id": "TEXT NOT NULL",
        "event_type": "TEXT NOT NULL",
        "action": "TEXT NOT NULL",
        "success": "INTEGER",
        "content_id": "TEXT",
        "external_id": "BIGINT",
        "details": "TEXT NOT NULL",
        "error_message": "TEXT",
        "duration_ms": "INTEGER",
        "created_at": "TEXT NOT NULL",
        "version": "INTEGER NOT NULL",
    },
    key=("id",),
    indexes=(("integration_id", "id"),),
    append_only=True,
)


class SyncEventLog(ReadModel):
    name = "sync_event_log"
    tables = (SITES, LOG)

    @on(*_MAPPINGS)
    def _log(self, event: Any, changes: Changeset, position: int) -> None:
        if isinstance(event, Integration.Created):
            changes.put(SITES, integration_id=str(event.originator_id), site_id=event.site_id)
        entry = entry_for(event)
        if entry is None:
            return
        site = changes.row(SITES, entry.integration_id)
        changes.append(
            LOG,
            id=position,
            integration_id=entry.integration_id,
            site_id=site["site_id"] if site else "",
            event_type=entry.event_type,
            action=entry.action,
            success=None if entry.success is None else int(entry.success),
            content_id=entry.content_id,
            external_id=entry.external_id,
            details=json_text(entry.details),
            error_message=entry.error_message,
            duration_ms=entry.duration_ms,
            created_at=iso(event.timestamp),
            version=event.originator_version,
        )
