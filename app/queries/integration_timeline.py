"""What happened to an integration: every event of its own stream, its sync runs, its webhook
deliveries and its slot, oldest first, in one statement over the timeline read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.aggregates.time import iso
from app.database import Database, Row
from app.projections.integration_summaries import SUMMARIES
from app.projections.integration_timeline import SOURCES, TIMELINE
from app.queries.event_summary import summary_of
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.reads import Reads

PREFIXES = tuple(f"{source}." for source in SOURCES.values())
"""`type` ending in a dot names where events come from: `integration.` (its own stream),
`sync.` (its sync runs), `webhook.` (its deliveries), `integration_slot.` (its slot),
`health.` (its health issues); any other value ending in a dot is a prefix of the type."""


class TimelineEntry(msgspec.Struct, kw_only=True):
    position: int
    stream_type: str
    stream_id: str
    version: int
    type: str
    occurred_at: str
    actor: str
    request_id: str
    summary: str
    data: dict[str, Any]


class TimelinePage(msgspec.Struct, kw_only=True):
    integration_id: str
    results: list[TimelineEntry]
    next_cursor: str | None


class TimelineFilters(msgspec.Struct, frozen=True, kw_only=True):
    type: str | None = None
    """An exact topic (`sync.completed`) or one of `PREFIXES`."""
    since: datetime | None = None
    until: datetime | None = None


def conditions(
    filters: TimelineFilters, cursor: str | None, newest_first: bool = False
) -> tuple[list[str], list[Any]]:
    """SQL conditions on the timeline (alias `x`) and their parameters (a forged cursor is a
    400; `since` after `until` selects nothing)."""
    where: list[str] = []
    params: list[Any] = []
    after = decode_cursor(cursor, int)
    for condition, values in (
        _type_condition(filters.type),
        ("x.occurred_at >= ?", filters.since and (iso(filters.since),)),
        ("x.occurred_at <= ?", filters.until and (iso(filters.until),)),
        (f"x.position {'<' if newest_first else '>'} ?", after and (int(after[0]),)),
    ):
        if values:
            where.append(condition)
            params.extend(values)
    return where, params


def _type_condition(kind: str | None) -> tuple[str, tuple[Any, ...] | None]:
    if kind is None:
        return "", None
    if kind in PREFIXES:
        return "x.source = ?", (kind[:-1],)
    if kind.endswith("."):
        return "substr(x.type, 1, ?) = ?", (len(kind), kind)
    return "x.type = ?", (kind,)


def entry_of_row(row: Row) -> TimelineEntry:
    data = msgspec.json.decode(row["data"])
    return TimelineEntry(
        position=row["position"],
        stream_type=row["stream_type"],
        stream_id=row["stream_id"],
        version=row["version"],
        type=row["type"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        request_id=row["request_id"],
        summary=summary_of(row["type"], data),
        data=data,
    )


def page_of(integration_id: str, rows: list[Row], limit: int) -> TimelinePage:
    entries = [entry_of_row(row) for row in rows[:limit]]
    more = len(rows) > limit
    return TimelinePage(
        integration_id=integration_id,
        results=entries,
        next_cursor=encode_cursor(entries[-1].position) if more else None,
    )


async def integration_timeline(
    reads: Reads,
    *,
    account_id: str,
    integration_id: str,
    include_deleted: bool,
    filters: TimelineFilters,
    limit: int = 50,
    cursor: str | None = None,
    newest_first: bool = False,
) -> TimelinePage:
    """One page (oldest first unless `newest_first`: the console); `IntegrationNotFound`
    unless the integration is the account's (and not deleted, unless `include_deleted`)."""
    where, params = conditions(filters, cursor, newest_first)
    live = "" if include_deleted else " AND s.deleted_at IS NULL"
    rows = await reads.all(
        f"SELECT s.id AS scoped_to, x.* FROM {SUMMARIES} s LEFT JOIN {TIMELINE} x"
        f" ON x.integration_id = s.id{''.join(f' AND {c}' for c in where)}"
        f" WHERE s.id = ? AND s.account_id = ?{live}"
        f" ORDER BY x.position{' DESC' if newest_first else ''} LIMIT ?",
        [*params, integration_id, account_id, check_limit(limit) + 1],
    )
    if not rows:
        raise IntegrationNotFound()
    return page_of(integration_id, [r for r in rows if r["position"] is not None], limit)


def timeline_after(db: Database, integration_id: str, after: int, limit: int) -> TimelinePage:
    """Any account's integration, for the operator's CLI."""
    rows = db.all(
        f"SELECT * FROM {TIMELINE} WHERE integration_id = ? AND position > ?"
        " ORDER BY position LIMIT ?",
        (integration_id, after, limit + 1),
    )
    return page_of(integration_id, rows, limit)
