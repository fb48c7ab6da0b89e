"""IntegrationHealthIssues: every issue an integration had (open and resolved), its open ones as one
row (so `debug-status/` and the console's badges join them by primary key), and when each
WordPress integration last heard a webhook (what the health monitor finds silence in)."""

from __future__ import annotations

from typing import Any

import msgspec

from app.aggregates.health_issues import HealthIssues as Issues
from app.aggregates.integration import Integration
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.database import json_text
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

ISSUES = Table(
    "health_issues",
    columns={
        "integration_id": "TEXT NOT NULL",
        "number": "INTEGER NOT NULL",
        "account_id": "TEXT NOT NULL",
        "kind": "TEXT NOT NULL",
        "status": "TEXT NOT NULL",
        "opened_at": "TEXT NOT NULL",
        "since": "TEXT",
        "last_seen": "TEXT NOT NULL",
        "resolved_at": "TEXT",
        "detail": "TEXT NOT NULL",
        "resolution": "TEXT",
    },
    key=("integration_id", "number"),
    indexes=(("status", "kind"),),
)
OPEN_ISSUES = Table(
    "open_health_issues",
    columns={
        "integration_id": "TEXT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "open_count": "INTEGER NOT NULL",
        "issues": "TEXT NOT NULL",
    },
    key=("integration_id",),
)
"""`issues`: the open ones as a JSON list of {number, kind, opened_at, since, last_seen,
detail}, oldest first."""
WEBHOOK_WATCH = Table(
    "webhook_watch",
    columns={
        "integration_id": "TEXT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "live": "INTEGER NOT NULL",
        "secret": "INTEGER NOT NULL",
        "last_webhook_at": "TEXT",
        "quiet_since": "TEXT",
    },
    key=("integration_id",),
    indexes=(("quiet_since",),),
)
"""`quiet_since`: the last webhook, or when a `webhook_secret` was configured (NULL: no
webhooks are expected)."""

ENTRY = ("number", "kind", "opened_at", "since", "last_seen", "detail")


class IntegrationHealthIssues(ReadModel):
    name = "health_issues"
    tables = (ISSUES, OPEN_ISSUES, WEBHOOK_WATCH)

    @on(Issues.Created)
    def _watched(self, e: Issues.Created, changes: Changeset, position: int) -> None:
        changes.put(
            OPEN_ISSUES,
            integration_id=e.integration_id,
            account_id=e.account_id,
            open_count=0,
            issues="[]",
        )

    @on(Issues.Opened)
    def _opened(self, e: Issues.Opened, changes: Changeset, position: int) -> None:
        row = changes.put(
            ISSUES,
            integration_id=e.integration_id,
            number=e.number,
            account_id=self._account(changes, e),
            kind=e.kind,
            status="open",
            opened_at=e.at,
            since=e.since,
            last_seen=e.at,
            detail=e.detail,
        )
        self._list(changes, e, lambda issues: [*issues, {k: row[k] for k in ENTRY}])

    @on(Issues.Seen)
    def _seen(self, e: Issues.Seen, changes: Changeset, position: int) -> None:
        changes.change(ISSUES, (e.integration_id, e.number), last_seen=e.at, detail=e.detail)
        self._list(
            changes,
            e,
            lambda issues: [
                {**i, "last_seen": e.at, "detail": e.detail} if i["number"] == e.number else i
                for i in issues
            ],
        )

    @on(Issues.Resolved)
    def _closed(self, e: Issues.Resolved, changes: Changeset, position: int) -> None:
        changes.change(
            ISSUES,
            (e.integration_id, e.number),
            status="resolved",
            resolved_at=e.at,
            resolution=e.resolution,
        )
        self._list(changes, e, lambda issues: [i for i in issues if i["number"] != e.number])

    def _account(self, changes: Changeset, e: Any) -> str:
        row = changes.row(OPEN_ISSUES, e.integration_id)
        return str(row["account_id"]) if row else ""

    def _list(self, changes: Changeset, e: Any, edit: Any) -> None:
        row = changes.row(OPEN_ISSUES, e.integration_id)
        if row is not None:
            issues = edit(msgspec.json.decode(row["issues"]))
            changes.change(
                OPEN_ISSUES, (e.integration_id,), open_count=len(issues), issues=json_text(issues)
            )

    # -- when webhooks were last heard ---------------------------------------------------

    @on(Integration.Created)
    def _created(self, e: Integration.Created, changes: Changeset, position: int) -> None:
        if e.platform == "wordpress":
            secret = "webhook_secret" in e.credentials["fields"]
            changes.put(
                WEBHOOK_WATCH,
                integration_id=str(e.originator_id),
                account_id=e.account_id,
                live=int(e.is_active),
                secret=int(secret),
                quiet_since=iso(e.timestamp) if secret else None,
            )

    @on(Integration.CredentialsChanged)
    def _credentials(
        self, e: Integration.CredentialsChanged, changes: Changeset, position: int
    ) -> None:
        row = changes.row(WEBHOOK_WATCH, str(e.originator_id))
        if row is None:
            return
        secret = "webhook_secret" in e.credentials["fields"]
        quiet = row["last_webhook_at"] or (
            row["quiet_since"] or iso(e.timestamp) if secret else None
        )
        changes.change(
            WEBHOOK_WATCH, (row["integration_id"],), secret=int(secret), quiet_since=quiet
        )

    @on(Integration.Activated, Integration.Deactivated, Integration.Deleted)
    def _liveness(self, e: Any, changes: Changeset, position: int) -> None:
        changes.change(
            WEBHOOK_WATCH, (str(e.originator_id),), live=int(isinstance(e, Integration.Activated))
        )

    @on(WebhookDelivery.Created)
    def _heard(self, e: WebhookDelivery.Created, changes: Changeset, position: int) -> None:
        at = iso(e.timestamp)
        changes.change(WEBHOOK_WATCH, (e.integration_id,), last_webhook_at=at, quiet_since=at)
