"""Pull one content item from WordPress now (`sync-wordpress-content`). Without an
`external_id`, the WordPress post id comes from the mapping learned from earlier pulls,
pushes and webhooks."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import msgspec

from app.aggregates.errors import NotFound, NotSupported
from app.aggregates.integration import Integration
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.platforms import ContentItem, PlatformError
from app.queries.content import external_id_for


class PullContent(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    content_id: str
    external_id: int | None = None
    post_type: str | None = None


@dataclass(frozen=True)
class Pulled:
    content_id: str
    external_id: int
    item: ContentItem | None
    error: str | None
    position: int


def handle(cmd: PullContent, store: Store, ctx: Context) -> Pulled:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    if integration.platform != "wordpress":
        raise NotSupported(f"content pulls are not supported for {integration.platform}")
    external_id = cmd.external_id or _known_external_id(store, cmd)
    item, error, duration_ms = _fetch(store, integration, external_id, cmd.post_type)

    def record() -> Pulled:
        current = store.get_integration(cmd.integration_id, ctx.account_id)
        current.record_content_pull(
            content_id=cmd.content_id, external_id=external_id,
            post_type=item.post_type if item else cmd.post_type,
            item=msgspec.to_builtins(item) if item else None, success=item is not None,
            error=error, duration_ms=duration_ms)
        position = store.save(current, ctx=ctx).position
        return Pulled(cmd.content_id, external_id, item, error, position)

    return with_retries(record)


def _known_external_id(store: Store, cmd: PullContent) -> int:
    external_id = external_id_for(store.db, cmd.integration_id, cmd.content_id)
    if external_id is None:
        raise NotFound(f"no WordPress post is known for content_id {cmd.content_id!r} yet; "
                       "pass external_id (the WordPress post id)")
    return external_id


def _fetch(store: Store, integration: Integration, external_id: int,
           post_type: str | None) -> tuple[ContentItem | None, str | None, int]:
    started = time.perf_counter()
    item: Any = None
    error = None
    try:
        with closing(store.client_for(integration)) as client:
            item = client.fetch_content_item(external_id, post_type)
    except PlatformError as exc:
        error = exc.message
    return item, error, round((time.perf_counter() - started) * 1000)
