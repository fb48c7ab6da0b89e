"""ContentIndex: what is known of each WordPress post of an integration, from pulls, pushes
and webhooks, including the content_id <-> WordPress post id mapping (kept one-to-one)."""

from __future__ import annotations

from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.database import Tx
from app.projections.base import Projection, on

FIELDS = ("content_id", "post_type", "title", "status", "url", "modified_at")


class ContentIndex(Projection):
    name = "content_index"
    tables = {"content_index": "integration_id, external_id"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {content_index} ("
        " integration_id TEXT NOT NULL, external_id BIGINT NOT NULL, content_id TEXT,"
        " post_type TEXT, title TEXT, status TEXT, url TEXT, modified_at TEXT,"
        " last_synced_at TEXT NOT NULL, source TEXT NOT NULL,"
        " PRIMARY KEY (integration_id, external_id))",
        "CREATE INDEX IF NOT EXISTS {content_index}_by_content"
        " ON {content_index} (integration_id, content_id)",
    )

    def upsert(self, tx: Tx, integration_id: str, external_id: int, item: dict[str, Any],
               at: str, source: str) -> None:
        """Set what `item` knows (missing keys keep what the index had)."""
        table = self.t["content_index"]
        given = [f for f in FIELDS if item.get(f) is not None]
        updates = "".join(f", {f} = excluded.{f}" for f in given)
        tx.execute(
            f"INSERT INTO {table} (integration_id, external_id, last_synced_at, source"
            f"{''.join(', ' + f for f in given)}) VALUES (?, ?, ?, ?{', ?' * len(given)})"
            " ON CONFLICT (integration_id, external_id) DO UPDATE SET"
            f" last_synced_at = excluded.last_synced_at, source = excluded.source{updates}",
            (integration_id, external_id, at, source, *(item[f] for f in given)),
        )
        if item.get("content_id") is not None:
            tx.execute(f"UPDATE {table} SET content_id = NULL WHERE integration_id = ?"
                       " AND content_id = ? AND external_id <> ?",
                       (integration_id, item["content_id"], external_id))

    @on(SyncRun.ContentPulled)
    def _pulled(self, e: SyncRun.ContentPulled, tx: Tx, position: int) -> None:
        for item in e.items:
            self.upsert(tx, e.integration_id, item["external_id"], item, iso(e.timestamp),
                        "pull")

    @on(SyncRun.ContentPushed)
    def _pushed(self, e: SyncRun.ContentPushed, tx: Tx, position: int) -> None:
        if e.result.get("success") and e.result.get("external_id") is not None:
            self.upsert(tx, e.integration_id, e.result["external_id"], e.result,
                        iso(e.timestamp), "push")

    @on(Integration.ContentPulled)
    def _pulled_one(self, e: Integration.ContentPulled, tx: Tx, position: int) -> None:
        if e.success and e.item is not None:
            self.upsert(tx, str(e.originator_id), e.item["external_id"],
                        {**e.item, "content_id": e.content_id}, iso(e.timestamp), "pull")

    @on(WebhookDelivery.Created)
    def _webhook(self, e: WebhookDelivery.Created, tx: Tx, position: int) -> None:
        """Metadata deliveries carry no status fields (None): only their mapping is set."""
        item = {"content_id": e.content_id, "status": e.status, "url": e.url,
                "title": e.title, "post_type": e.post_type, "modified_at": e.modified_at}
        self.upsert(tx, e.integration_id, e.post_id, item, iso(e.timestamp), "webhook")
