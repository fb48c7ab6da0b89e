"""ContentIndex: what is known of each WordPress post of an integration, from pulls, pushes
and webhooks, and the content_id <-> WordPress post id mapping, kept one-to-one: when a
content id moves to another post, the old post's row lets go of it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.aggregates.webhook_delivery import WebhookDelivery
from app.projection_engine.changeset import Changeset, Key
from app.projection_engine.read_model import ReadModel, Table, on

FIELDS = ("content_id", "post_type", "title", "status", "url", "modified_at")
POSTS = Table(
    "content_index",
    columns={
        "integration_id": "TEXT NOT NULL",
        "external_id": "BIGINT NOT NULL",
        "content_id": "TEXT",
        "post_type": "TEXT",
        "title": "TEXT",
        "status": "TEXT",
        "url": "TEXT",
        "modified_at": "TEXT",
        "last_synced_at": "TEXT NOT NULL",
        "source": "TEXT NOT NULL",
    },
    key=("integration_id", "external_id"),
    indexes=(("integration_id", "content_id"),),
)
IDS = Table(
    "content_ids",
    columns={
        "integration_id": "TEXT NOT NULL",
        "content_id": "TEXT NOT NULL",
        "external_id": "BIGINT",
    },
    key=("integration_id", "content_id"),
)


class ContentIndex(ReadModel):
    name = "content_index"
    tables = (POSTS, IDS)

    def rows_wanted(self, event: Any) -> Iterable[tuple[Table, Key]]:
        """A webhook's post and, when it names one, its content id's mapping."""
        if isinstance(event, WebhookDelivery.Created):
            yield POSTS, (event.integration_id, event.post_id)
            if event.content_id is not None:
                yield IDS, (event.integration_id, event.content_id)

    def upsert(
        self,
        changes: Changeset,
        integration_id: str,
        external_id: int,
        item: dict[str, Any],
        at: str,
        source: str,
    ) -> None:
        """Set what `item` knows (missing fields keep what the index had)."""
        row = changes.row(POSTS, integration_id, external_id) or changes.put(
            POSTS, integration_id=integration_id, external_id=external_id
        )
        previous_id = row["content_id"]
        row.update(
            {f: item[f] for f in FIELDS if item.get(f) is not None},
            last_synced_at=at,
            source=source,
        )
        changes.mark(POSTS, row)
        if row["content_id"] != previous_id:
            self._remap(changes, integration_id, external_id, previous_id, row["content_id"])

    def _remap(
        self, changes: Changeset, integration_id: str, external_id: int, old: str | None, new: str
    ) -> None:
        if old is not None:
            changes.change(IDS, (integration_id, old), external_id=None)
        claimed = changes.row(IDS, integration_id, new)
        if claimed is not None and claimed["external_id"] not in (None, external_id):
            changes.change(POSTS, (integration_id, claimed["external_id"]), content_id=None)
        changes.put(IDS, integration_id=integration_id, content_id=new, external_id=external_id)

    @on(SyncRun.ContentPulled)
    def _pulled(self, e: SyncRun.ContentPulled, changes: Changeset, position: int) -> None:
        at = iso(e.timestamp)
        for item in e.items:
            self.upsert(changes, e.integration_id, item["external_id"], item, at, "pull")

    @on(SyncRun.ContentPushed)
    def _pushed(self, e: SyncRun.ContentPushed, changes: Changeset, position: int) -> None:
        if e.result.get("success") and e.result.get("external_id") is not None:
            self.upsert(
                changes,
                e.integration_id,
                e.result["external_id"],
                e.result,
                iso(e.timestamp),
                "push",
            )

    @on(SyncRun.ContentDeleted)
    def _deleted(self, e: SyncRun.ContentDeleted, changes: Changeset, position: int) -> None:
        """Trashed (`trash`) or gone (`deleted`) on the platform; the row stays, marked."""
        at = iso(e.timestamp)
        for item in e.items:
            changes.change(
                POSTS,
                (e.integration_id, item["external_id"]),
                status=item["status"],
                last_synced_at=at,
                source="reconcile",
            )

    @on(Integration.ContentPulled)
    def _pulled_one(self, e: Integration.ContentPulled, changes: Changeset, position: int) -> None:
        if e.success and e.item is not None:
            self.upsert(
                changes,
                str(e.originator_id),
                e.item["external_id"],
                {**e.item, "content_id": e.content_id},
                iso(e.timestamp),
                "pull",
            )

    @on(WebhookDelivery.Created)
    def _webhook(self, e: WebhookDelivery.Created, changes: Changeset, position: int) -> None:
        """Metadata deliveries carry no status fields (None): only their mapping is set."""
        item = {
            "content_id": e.content_id,
            "status": e.status,
            "url": e.url,
            "title": e.title,
            "post_type": e.post_type,
            "modified_at": e.modified_at,
        }
        self.upsert(changes, e.integration_id, e.post_id, item, iso(e.timestamp), "webhook")
