"""What the SyncEvent log of an integration says, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from app.aggregates.time import iso
from app.database import Row
from app.projections.sync_event_log import LOG
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.queries.scoped import integration_rows
from app.reads import Reads


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
        id=row["id"],
        integration_id=row["integration_id"],
        site_id=row["site_id"],
        event_type=row["event_type"],
        action=row["action"],
        success=None if row["success"] is None else bool(row["success"]),
        content_id=row["content_id"],
        external_id=row["external_id"],
        details=msgspec.json.decode(row["details"]),
        error_message=row["error_message"],
        duration_ms=row["duration_ms"],
        created_at=row["created_at"],
        version=row["version"],
    )


async def sync_event_log(
    reads: Reads,
    *,
    account_id: str,
    integration_id: str,
    filters: SyncEventFilters,
    limit: int = 50,
    cursor: str | None = None,
) -> SyncEventPage:
    where: list[str] = []
    params: list[Any] = []
    for condition, value in (
        ("x.event_type = ?", filters.event_type),
        ("x.success = ?", None if filters.success is None else int(filters.success)),
        ("x.created_at >= ?", filters.since and iso(filters.since)),
        ("x.created_at <= ?", filters.until and iso(filters.until)),
    ):
        if value is not None:
            where.append(condition)
            params.append(value)
    if (before := decode_cursor(cursor, int)) is not None:
        where.append("x.id < ?")
        params.append(int(before[0]))
    rows = await integration_rows(
        reads,
        LOG,
        account_id=account_id,
        integration_id=integration_id,
        where=where,
        params=params,
        order="x.id DESC",
        limit=check_limit(limit) + 1,
    )
    more = len(rows) > limit
    entries = [entry_of_row(r) for r in rows[:limit]]
    return SyncEventPage(
        results=entries, next_cursor=encode_cursor(entries[-1].id) if more else None
    )
