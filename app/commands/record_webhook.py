"""Record one WordPress webhook delivery from a sender the edge has identified and verified
(`app.http.callers`): exactly one event, or `duplicate` when the store already holds that
delivery id for the integration (one indexed read of the delivery's stream)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from app.aggregates.webhook_delivery import WebhookDelivery
from app.commands.context import Context
from app.commands.store import Store
from app.eventstore import ConcurrentWrite
from app.eventstore.statements import Statement
from app.platforms.wordpress_posts import rfc3339


class RecordWebhook(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    site_id: str
    delivery_id: str
    kind: Literal["status", "metadata"]
    post_id: int
    content_id: str | None = None
    status: str | None = None
    post_type: str | None = None
    url: str | None = None
    title: str | None = None
    modified_gmt: str | None = None
    metadata: dict[str, Any] | None = None
    log: tuple[Statement, ...] = ()
    """The edge's log row for an accepted delivery (`app.webhook_attempts`): committed with
    the event, or not at all (a duplicate is logged as one by the edge)."""


@dataclass(frozen=True)
class Received:
    duplicate: bool
    position: int
    """Global position of the new event (0 for a duplicate: nothing to wait for)."""


def seen(cmd: RecordWebhook, store: Store) -> tuple[str, tuple[Any]]:
    """The query that finds this delivery already recorded (ask it before `handle`)."""
    return store.events.started(WebhookDelivery.create_id(cmd.integration_id, cmd.delivery_id))


def handle(cmd: RecordWebhook, store: Store, ctx: Context) -> Received:
    """Record a delivery from a sender `identify` accepted. The store decides duplicates: the
    edge looks first (`seen`: a known repeat costs one indexed read and never reaches the
    write lock); a repeat racing its first copy is settled by the insert."""
    delivery = WebhookDelivery(
        integration_id=cmd.integration_id,
        site_id=cmd.site_id,
        delivery_id=cmd.delivery_id,
        kind=cmd.kind,
        post_id=cmd.post_id,
        content_id=cmd.content_id,
        status=cmd.status,
        post_type=cmd.post_type,
        url=cmd.url,
        title=None if cmd.title is None else html.unescape(cmd.title),
        modified_at=rfc3339(cmd.modified_gmt),
        metadata=cmd.metadata,
    )
    try:
        return Received(
            duplicate=False, position=store.save(delivery, ctx=ctx, statements=cmd.log).position
        )
    except ConcurrentWrite:  # the same id, saved a moment earlier by another request
        return Received(duplicate=True, position=0)
