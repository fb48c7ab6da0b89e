"""Which sites an account has."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.errors import SiteNotFound
from app.database import Row
from app.projections.sites import SITES
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.reads import Reads


class SiteView(msgspec.Struct, kw_only=True):
    id: str
    account_id: str
    name: str
    url: str
    created_at: str
    updated_at: str


class SitePage(msgspec.Struct, kw_only=True):
    results: list[SiteView]
    next_cursor: str | None


def view_of_row(row: Row) -> SiteView:
    return SiteView(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        url=row["url"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def site_detail(reads: Reads, *, account_id: str, site_id: str) -> SiteView:
    row = await reads.one(
        f"SELECT * FROM {SITES} WHERE id = ? AND account_id = ?", (site_id, account_id)
    )
    if row is None:
        raise SiteNotFound()
    return view_of_row(row)


async def site_list(
    reads: Reads, *, account_id: str, limit: int = 50, cursor: str | None = None
) -> SitePage:
    sql = f"SELECT * FROM {SITES} WHERE account_id = ?"
    params: list[Any] = [account_id]
    if (after := decode_cursor(cursor, str, str)) is not None:
        sql += " AND (created_at > ? OR (created_at = ? AND id > ?))"
        params += [after[0], after[0], after[1]]
    rows = await reads.all(
        sql + " ORDER BY created_at, id LIMIT ?", [*params, check_limit(limit) + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return SitePage(
        results=[view_of_row(r) for r in rows],
        next_cursor=encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None,
    )
