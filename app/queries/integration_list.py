"""Which integrations an account has: filtered, keyset-paginated."""

from __future__ import annotations

from typing import Any

import msgspec

from app.projections.integration_summaries import SUMMARIES
from app.queries.integration_detail import IntegrationView, view_of_row
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.reads import Reads


class IntegrationPage(msgspec.Struct, kw_only=True):
    results: list[IntegrationView]
    next_cursor: str | None


class IntegrationFilters(msgspec.Struct, frozen=True, kw_only=True):
    site_id: str | None = None
    platform: str | None = None
    is_active: bool | None = None
    sync_status: str | None = None


async def integration_list(
    reads: Reads,
    *,
    account_id: str,
    filters: IntegrationFilters,
    limit: int = 50,
    cursor: str | None = None,
) -> IntegrationPage:
    sql = [f"SELECT * FROM {SUMMARIES} WHERE account_id = ? AND deleted_at IS NULL"]
    params: list[Any] = [account_id]
    for column in ("site_id", "platform", "sync_status"):
        if (value := getattr(filters, column)) is not None:
            sql.append(f"AND {column} = ?")
            params.append(value)
    if filters.is_active is not None:
        sql.append("AND is_active = ?")
        params.append(int(filters.is_active))
    if (after := decode_cursor(cursor, str, str)) is not None:
        sql.append("AND (created_at > ? OR (created_at = ? AND id > ?))")
        params += [after[0], after[0], after[1]]
    sql.append("ORDER BY created_at, id LIMIT ?")
    params.append(check_limit(limit) + 1)
    rows = await reads.all(" ".join(sql), params)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None
    return IntegrationPage(results=[view_of_row(r) for r in rows], next_cursor=next_cursor)
