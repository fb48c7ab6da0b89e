"""ContentIndex: what is known of each WordPress post of an integration, from pulls, pushes
and webhooks, and the content_id <-> WordPress post id mapping, kept one-to-one: when a
content id moves to another post, the old post's row lets go of it."""

from __future__ import annotations

from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.projections.base import Projection, on
from app.projections.batch import Batch, Table

POSTS, IDS = "content_index", "content_ids"
FIELDS = ("content_id", "post_type", "title", "status", "url", "modified_at")
TABLES = (
    Table(POSTS, columns={
        "integration_id": "TEXT NOT NULL", "external_id": "BIGINT NOT NULL",
        "content_id": "TEXT", "post_type": "TEXT", "title": "TEXT", "status": "TEXT",
        "url": "TEXT", "modified_at": "TEXT", "last_synced_at": "TEXT NOT NULL",
        "source": "TEXT NOT NULL",
    }, key=("integration_id", "external_id"), indexes=(("integration_id", "content_id"),)),
    Table(IDS, columns={"integration_id": "TEXT NOT NULL", "content_id": "TEXT NOT NULL",
                        "external_id": "BIGINT"}, key=("integration_id", "content_id")),
)


class ContentIndex(Projection):
    name = "content_index"
    schema = TABLES

    def upsert(self, batch: Batch, integration_id: str, external_id: int, item: dict[str, Any],
               at: str, source: str) -> None:
        """Set what `item` knows (missing fields keep what the index had)."""
        table = self.t[POSTS]
        row = batch.row(table, integration_id, external_id) or batch.put(
            table, integration_id=integration_id, external_id=external_id)
        previous_id = row["content_id"]
        row.update({f: item[f] for f in FIELDS if item.get(f) is not None},
                   last_synced_at=at, source=source)
        batch.mark(table, row)
        if row["content_id"] != previous_id:
            self._remap(batch, integration_id, external_id, previous_id, row["content_id"])

    def _remap(self, batch: Batch, integration_id: str, external_id: int, old: str | None,
               new: str) -> None:
        ids, posts = self.t[IDS], self.t[POSTS]
        if old is not None:
            batch.change(ids, (integration_id, old), external_id=None)
        claimed = batch.row(ids, integration_id, new)
        if claimed is not None and claimed["external_id"] not in (None, external_id):
            batch.change(posts, (integration_id, claimed["external_id"]), content_id=None)
        batch.put(ids, integration_id=integration_id, content_id=new, external_id=external_id)

    @on(SyncRun.ContentPulled)
    def _pulled(self, e: SyncRun.ContentPulled, batch: Batch, position: int) -> None:
        at = iso(e.timestamp)
        for item in e.items:
            self.upsert(batch, e.integration_id, item["external_id"], item, at, "pull")

    @on(SyncRun.ContentPushed)
    def _pushed(self, e: SyncRun.ContentPushed, batch: Batch, position: int) -> None:
        if e.result.get("success") and e.result.get("external_id") is not None:
            self.upsert(batch, e.integration_id, e.result["external_id"], e.result,
                        iso(e.timestamp), "push")

    @on(Integration.ContentPulled)
    def _pulled_one(self, e: Integration.ContentPulled, batch: Batch, position: int) -> None:
        if e.success and e.item is not None:
            self.upsert(batch, str(e.originator_id), e.item["external_id"],
                        {**e.item, "content_id": e.content_id}, iso(e.timestamp), "pull")

    @on(WebhookDelivery.Created)
    def _webhook(self, e: WebhookDelivery.Created, batch: Batch, position: int) -> None:
        """Metadata deliveries carry no status fields (None): only their mapping is set."""
        item = {"content_id": e.content_id, "status": e.status, "url": e.url,
                "title": e.title, "post_type": e.post_type, "modified_at": e.modified_at}
        self.upsert(batch, e.integration_id, e.post_id, item, iso(e.timestamp), "webhook")
