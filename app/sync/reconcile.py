"""The sweep of a `reconcile` run: every post the content index knows is looked up on the
platform, 100 ids at a time; those trashed or deleted there (which no listing of changed
posts shows, and whose webhook may have been lost) are recorded as such."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from app.platforms import PlatformClient
from app.queries.content import KnownPost
from app.sync.checkpoint import Checkpoint

BATCH = 100
GONE = ("trash", "deleted")


class SweepProgress(Protocol):
    def deleted(self, items: list[dict[str, Any]], cp: Checkpoint) -> None: ...

    def reached(self, cp: Checkpoint) -> None: ...


KnownPosts = Callable[[int, int], list[KnownPost]]
"""(after post id, limit) -> the index's posts, in id order."""


def sweep(
    known: KnownPosts, client: PlatformClient, progress: SweepProgress, cp: Checkpoint
) -> None:
    while batch := known(cp.after_id, BATCH):
        gone = _gone(batch, client)
        cp.after_id = batch[-1].external_id
        cp.count("trashed", sum(item["status"] == "trash" for item in gone))
        cp.count("deleted", sum(item["status"] == "deleted" for item in gone))
        if gone:
            progress.deleted(gone, cp)
        else:
            progress.reached(cp)


def _gone(batch: list[KnownPost], client: PlatformClient) -> list[dict[str, Any]]:
    """Posts of the batch whose platform status became `trash` or `deleted`."""
    by_type: dict[str, list[KnownPost]] = defaultdict(list)
    for post in batch:
        by_type[post.post_type].append(post)
    gone = []
    for post_type, posts in by_type.items():
        statuses = client.post_statuses(post_type, [p.external_id for p in posts])
        gone += [
            {"external_id": p.external_id, "post_type": post_type, "status": status}
            for p in posts
            if (status := statuses.get(p.external_id)) in GONE and status != p.status
        ]
    return gone
