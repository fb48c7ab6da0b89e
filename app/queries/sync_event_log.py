"""What the SyncEvent log of an integration says, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.aggregates.time import iso
from app.database import Database, Row
from app.projections.sync_event_log import LOG
from app.queries.integration_detail import summary_row
from app.queries.pagination import check_limit, decode_cursor, encode_cursor


class SyncEventEntry(msgspec.Struct, kw_only=True):
    id: int
    integration_id: str
    site_id: str
    event_type: str
    action: str
    success: bool | None
    content_id: str | None
    external_id: int | None
    details: dict[str, Any]
    error_message: str | None
    duration_ms: int | None
    created_at: str
    version: int


class SyncEventPage(msgspec.Struct, kw_only=True):
    results: list[SyncEventEntry]
    next_cursor: str | None


class SyncEventFilters(msgspec.Struct, frozen=True, kw_only=True):
    event_type: str | None = None
    success: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


def entry_of_row(row: Row) -> SyncEventEntry:
    return SyncEventEntry(
        id=row["id"], integration_id=row["integration_id"], site_id=row["site_id"],
        event_type=row["event_type"], action=row["action"],
        success=None if row["success"] is None else bool(row["success"]),
        content_id=row["content_id"], external_id=row["external_id"],
        details=msgspec.json.decode(row["details"]), error_message=row["error_message"],
        duration_ms=row["duration_ms"], created_at=row["created_at"], version=row["version"],
    )


def sync_event_log(
    db: Database, *, account_id: str, integration_id: str, filters: SyncEventFilters,
    limit: int = 50, cursor: str | None = None,
) -> SyncEventPage:
    row = summary_row(db, account_id, integration_id)
    if row is None or row["deleted_at"] is not None:
        raise IntegrationNotFound()
    sql = [f"SELECT * FROM {LOG} WHERE integration_id = ?"]
    params: list[Any] = [integration_id]
    if filters.event_type is not None:
        sql.append("AND event_type = ?")
        params.append(filters.event_type)
    if filters.success is not None:
        sql.append("AND success = ?")
        params.append(int(filters.success))
    if filters.since is not None:
        sql.append("AND created_at >= ?")
        params.append(iso(filters.since))
    if filters.until is not None:
        sql.append("AND created_at <= ?")
        params.append(iso(filters.until))
    if (before := decode_cursor(cursor, int)) is not None:
        sql.append("AND id < ?")
        params.append(int(before[0]))
    sql.append("ORDER BY id DESC LIMIT ?")
    params.append(check_limit(limit) + 1)
    rows = db.all(" ".join(sql), params)
    more = len(rows) > limit
    entries = [entry_of_row(r) for r in rows[:limit]]
    return SyncEventPage(results=entries,
                         next_cursor=encode_cursor(entries[-1].id) if more else None)
