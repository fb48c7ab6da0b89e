"""Which health issues an integration has: the open ones (one JSON column, joined by key into
`debug-status/`), all of them (open and resolved, newest first), and the kinds open per
integration of a console page."""

from __future__ import annotations

import msgspec

from app.projections.health_issues import ISSUES, OPEN_ISSUES
from app.reads import Reads


class HealthIssue(msgspec.Struct, kw_only=True):
    number: int
    kind: str
    """`credentials_rejected`, `sync_failing`, `schedule_auto_paused`, `webhooks_silent` or
    `sync_overdue`."""
    status: str = "open"
    opened_at: str
    since: str | None = None
    """When the condition began, where known (the last webhook, the missed due time)."""
    last_seen: str
    resolved_at: str | None = None
    detail: str
    resolution: str | None = None


def open_issues_of(column: str | None) -> list[HealthIssue]:
    """The open issues from `open_health_issues.issues` (NULL: none was ever opened)."""
    return msgspec.json.decode(column or "[]", type=list[HealthIssue])


async def health_issues(
    reads: Reads, *, account_id: str, integration_id: str, limit: int = 100
) -> list[HealthIssue]:
    rows = await reads.all(
        f"SELECT * FROM {ISSUES} WHERE integration_id = ? AND account_id = ?"
        " ORDER BY number DESC LIMIT ?",
        (integration_id, account_id, limit),
    )
    return [msgspec.convert(row, HealthIssue) for row in rows]


async def open_kinds(
    reads: Reads, account_id: str, integration_ids: list[str]
) -> dict[str, list[str]]:
    """The kinds of open issues per integration (only those with any)."""
    if not integration_ids:
        return {}
    marks = ",".join("?" * len(integration_ids))
    rows = await reads.all(
        f"SELECT integration_id, issues FROM {OPEN_ISSUES} WHERE account_id = ?"
        f" AND open_count > 0 AND integration_id IN ({marks})",
        [account_id, *integration_ids],
    )
    return {r["integration_id"]: [i.kind for i in open_issues_of(r["issues"])] for r in rows}
