"""Record a single-item pull (`sync-wordpress-content`): the item WordPress gave, or why it
could not (the pull itself ran before, in `app.sync.observations`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from app.commands.context import Context
from app.commands.store import Store
from app.platforms import ContentItem


class RecordContentPull(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    content_id: str
    external_id: int
    post_type: str | None
    item: ContentItem | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Pulled:
    content_id: str
    external_id: int
    item: ContentItem | None
    error: str | None
    position: int


def handle(cmd: RecordContentPull, store: Store, ctx: Context) -> Pulled:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    item: Any = msgspec.to_builtins(cmd.item) if cmd.item else None
    integration.record_content_pull(
        content_id=cmd.content_id,
        external_id=cmd.external_id,
        post_type=cmd.item.post_type if cmd.item else cmd.post_type,
        item=item,
        success=cmd.item is not None,
        error=cmd.error,
        duration_ms=cmd.duration_ms,
    )
    position = store.save(integration, ctx=ctx).position
    return Pulled(cmd.content_id, cmd.external_id, cmd.item, cmd.error, position)
