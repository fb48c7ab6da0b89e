"""What the content index knows: items of an integration, and content_id -> post id."""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from app.database import Database, Row
from app.projections.content_index import IDS, POSTS
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.queries.scoped import integration_rows
from app.reads import Reads


class ContentEntry(msgspec.Struct, kw_only=True):
    content_id: str | None
    external_id: int
    post_type: str | None
    title: str | None
    status: str | None
    url: str | None
    modified_at: str | None
    last_synced_at: str
    source: str


class ContentPage(msgspec.Struct, kw_only=True):
    results: list[ContentEntry]
    next_cursor: str | None


class KnownPost(NamedTuple):
    external_id: int
    post_type: str
    status: str | None


def external_id_for(db: Database, integration_id: str, content_id: str) -> int | None:
    """The WordPress post a content id is mapped to (learned from pulls, pushes, webhooks)."""
    found = db.value(
        f"SELECT external_id FROM {IDS} WHERE integration_id = ? AND content_id = ?",
        (integration_id, content_id),
    )
    return None if found is None else int(found)


def known_posts(db: Database, integration_id: str, after: int, limit: int) -> list[KnownPost]:
    """The index's posts after a post id, in id order, except those known to be gone."""
    rows = db.all(
        f"SELECT external_id, post_type, status FROM {POSTS} WHERE integration_id = ?"
        " AND external_id > ? AND post_type IS NOT NULL"
        " AND (status IS NULL OR status <> 'deleted') ORDER BY external_id LIMIT ?",
        (integration_id, after, limit),
    )
    return [KnownPost(int(r["external_id"]), r["post_type"], r["status"]) for r in rows]


def entry_of_row(row: Row) -> ContentEntry:
    return ContentEntry(**{field: row[field] for field in ContentEntry.__struct_fields__})


async def content_items(
    reads: Reads,
    *,
    account_id: str,
    integration_id: str,
    post_type: str | None = None,
    content_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> ContentPage:
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("post_type", post_type), ("content_id", content_id)):
        if value is not None:
            where.append(f"x.{column} = ?")
            params.append(value)
    if (after := decode_cursor(cursor, int)) is not None:
        where.append("x.external_id > ?")
        params.append(int(after[0]))
    rows = await integration_rows(
        reads,
        POSTS,
        account_id=account_id,
        integration_id=integration_id,
        where=where,
        params=params,
        order="x.external_id",
        limit=check_limit(limit) + 1,
    )
    more = len(rows) > limit
    entries = [entry_of_row(r) for r in rows[:limit]]
    return ContentPage(
        results=entries, next_cursor=encode_cursor(entries[-1].external_id) if more else None
    )
