"""Which webhook deliveries an integration was sent lately, and what became of each: its
inbound webhook log, newest first, in one statement that also checks the account."""

from __future__ import annotations

import msgspec

from app.aggregates.errors import IntegrationNotFound
from app.database import Database, Row
from app.projections.integration_summaries import SUMMARIES
from app.queries.pagination import check_limit, decode_cursor, encode_cursor
from app.reads import Reads
from app.webhook_attempts import ATTEMPTS


class WebhookAttemptView(msgspec.Struct, kw_only=True):
    verdict: str
    """`accepted`, `duplicate`, `bad_signature`, `stale_timestamp`, `inactive`, `too_large`
    or `invalid_body`."""
    delivery_id: str | None
    size_bytes: int | None
    attempted_at: str
    request_id: str


class WebhookAttemptPage(msgspec.Struct, kw_only=True):
    integration_id: str
    results: list[WebhookAttemptView]
    next_cursor: str | None


def view_of_row(row: Row) -> WebhookAttemptView:
    return WebhookAttemptView(
        verdict=row["verdict"],
        delivery_id=row["delivery_id"],
        size_bytes=row["size_bytes"],
        attempted_at=row["attempted_at"],
        request_id=row["request_id"],
    )


async def webhook_deliveries(
    reads: Reads,
    *,
    account_id: str,
    integration_id: str,
    include_deleted: bool,
    limit: int = 50,
    cursor: str | None = None,
) -> WebhookAttemptPage:
    before = decode_cursor(cursor, int)
    older = " AND x.id < ?" if before else ""
    live = "" if include_deleted else " AND s.deleted_at IS NULL"
    rows = await reads.all(
        f"SELECT s.id AS scoped_to, x.* FROM {SUMMARIES} s LEFT JOIN {ATTEMPTS} x"
        f" ON x.integration_id = s.id{older}"
        f" WHERE s.id = ? AND s.account_id = ?{live} ORDER BY x.id DESC LIMIT ?",
        [*(before or []), integration_id, account_id, check_limit(limit) + 1],
    )
    if not rows:
        raise IntegrationNotFound()
    found = [row for row in rows if row["id"] is not None]
    more = len(found) > limit
    return WebhookAttemptPage(
        integration_id=integration_id,
        results=[view_of_row(row) for row in found[:limit]],
        next_cursor=encode_cursor(found[limit - 1]["id"]) if more else None,
    )


def all_attempts(db: Database, integration_id: str) -> list[WebhookAttemptView]:
    """Any account's integration, for the operator's CLI (the log is bounded)."""
    rows = db.all(
        f"SELECT * FROM {ATTEMPTS} WHERE integration_id = ? ORDER BY id DESC", (integration_id,)
    )
    return [view_of_row(row) for row in rows]
