"""Rows of one read table that belong to one live integration of an account, found in the
same statement that checks the integration is the account's (no second round trip)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.aggregates.errors import IntegrationNotFound
from app.database import Row
from app.projection_engine.read_model import Table
from app.projections.integration_summaries import SUMMARIES
from app.reads import Reads


async def integration_rows(
    reads: Reads,
    table: Table,
    *,
    account_id: str,
    integration_id: str,
    where: Sequence[str] = (),
    params: Sequence[Any] = (),
    order: str,
    limit: int,
) -> list[Row]:
    """`table`'s rows (alias `x`) matching `where`, ordered and limited; raises
    `IntegrationNotFound` unless the integration is the account's and not deleted."""
    conditions = "".join(f" AND {condition}" for condition in where)
    key = table.key[-1]
    rows = await reads.all(
        f"SELECT s.id AS scoped_to, x.* FROM {SUMMARIES} s LEFT JOIN {table} x"
        f" ON x.integration_id = s.id{conditions}"
        " WHERE s.id = ? AND s.account_id = ? AND s.deleted_at IS NULL"
        f" ORDER BY {order} LIMIT ?",
        [*params, integration_id, account_id, limit],
    )
    if not rows:
        raise IntegrationNotFound()
    return [row for row in rows if row[key] is not None]
