"""Request a sync run. The run starts in the sync worker; the integration refuses a second
run while one is pending or running (two concurrent requests collide in the store)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgspec

from app.aggregates.errors import FieldError, NotSupported, ValidationFailed
from app.aggregates.sync_run import DIRECTIONS, SyncRun
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Store

PULLS = ("from_external", "both")
PUSHES = ("to_external", "both")


class RequestSync(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    direction: str
    content_types: list[str] = []
    items: list[dict[str, Any]] = []


def handle(cmd: RequestSync, store: Store, ctx: Context) -> Saved[SyncRun]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    check_supported(integration.platform, cmd.direction)
    _check_items(cmd)
    sync_id = uuid4()
    integration.request_sync(sync_id=str(sync_id), direction=cmd.direction)
    run = SyncRun(
        id=sync_id,
        integration_id=cmd.integration_id,
        direction=cmd.direction,  # type: ignore[call-arg]
        content_types=list(cmd.content_types),
        items=list(cmd.items),
    )
    return Saved(run, store.save(integration, run, ctx=ctx).position)


def check_supported(platform: str, direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValidationFailed([FieldError("direction", f"must be one of {DIRECTIONS}")])
    if platform == "custom":
        raise NotSupported("syncs are not supported for custom integrations")
    if platform == "shopify" and direction != "metadata":
        raise NotSupported("content sync is not supported for Shopify; use direction metadata")


def _check_items(cmd: RequestSync) -> None:
    if cmd.direction == "to_external" and not cmd.items:
        raise ValidationFailed([FieldError("items", "to_external needs the items to push")])
    if cmd.items and cmd.direction not in PUSHES:
        raise ValidationFailed([FieldError("items", f"only {' and '.join(PUSHES)} push items")])
