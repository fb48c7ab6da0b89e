"""What a sync run does, step by step, against one platform client, from a checkpoint. It
reports each page, item or batch with the checkpoint after it to a `Progress` (which records
events) and decides nothing about storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import msgspec

from app.aggregates.time import parse_iso
from app.platforms import ContentItem, PlatformClient, PlatformError, PushItem, ShopInfo
from app.sync.checkpoint import STEPS, Checkpoint
from app.sync.reconcile import KnownPosts, sweep
from app.sync.retries import is_transient

INTERNAL_TYPES = frozenset(
    {
        "attachment",
        "nav_menu_item",
        "wp_block",
        "wp_template",
        "wp_template_part",
        "wp_navigation",
        "wp_global_styles",
        "wp_font_family",
        "wp_font_face",
    }
)


class Progress(Protocol):
    def structure(self, content_types: dict[str, Any]) -> None: ...

    def shop(self, shop: ShopInfo) -> None: ...

    def pulled(self, items: list[ContentItem], cp: Checkpoint) -> None: ...

    def pushed(self, result: dict[str, Any], cp: Checkpoint) -> None: ...

    def deleted(self, items: list[dict[str, Any]], cp: Checkpoint) -> None: ...

    def reached(self, cp: Checkpoint) -> None: ...


@dataclass
class Plan:
    platform: str
    direction: str
    config: dict[str, Any]
    content_types: list[str]
    items: list[dict[str, Any]]
    watermark: str | None
    requested_at: datetime
    resumed: bool
    """Taken over or attempted again: the first item may have been sent already."""
    known_external_id: Callable[[str], int | None]
    known_posts: KnownPosts
    now: Callable[[], str]


Step = Callable[[Plan, PlatformClient, Progress, Checkpoint], None]


def execute(plan: Plan, client: PlatformClient, progress: Progress, cp: Checkpoint) -> None:
    """Run the direction's steps from `cp`; each step records its own progress."""
    steps = STEPS[plan.direction]
    while cp.step < len(steps):
        progress.reached(cp)
        STEP_FUNCTIONS[steps[cp.step]](plan, client, progress, cp)
        cp.next_step()


def pull_types(requested: list[str], config: dict[str, Any]) -> list[str]:
    """The run's types, else the enabled types the site told us about, else posts and pages."""
    if requested:
        return requested
    known = (config.get("content_types") or {}).get("post_types") or {}
    enabled = [
        slug
        for slug, info in known.items()
        if slug not in INTERNAL_TYPES
        and not (isinstance(info, dict) and info.get("enabled") is False)
    ]
    return enabled or ["post", "page"]


def _metadata(plan: Plan, client: PlatformClient, progress: Progress, cp: Checkpoint) -> None:
    if plan.platform == "shopify":
        progress.shop(client.fetch_shop())
        cp.count("shop")
        return
    structure = client.fetch_structure()
    before = plan.config.get("content_types") or {}
    progress.structure(
        {
            "post_types": structure.post_types,
            "taxonomies": structure.taxonomies,
            "plugin_connection_enabled": bool(before.get("plugin_connection_enabled", False)),
            "two_way_sync_enabled": bool(before.get("two_way_sync_enabled", False)),
            "last_structure_fetch": plan.now(),
        }
    )
    cp.count("post_types", len(structure.post_types))
    cp.count("taxonomies", len(structure.taxonomies))


def _pull(plan: Plan, client: PlatformClient, progress: Progress, cp: Checkpoint) -> None:
    """Page by page, each recorded with the next page as the checkpoint."""
    types = pull_types(plan.content_types, plan.config)
    since = parse_iso(plan.watermark) if plan.watermark else None
    while cp.type_index < len(types):
        listed = client.content_page(types[cp.type_index], since, cp.page)
        if cp.page >= listed.last_page:
            cp.type_index, cp.page = cp.type_index + 1, 1
        else:
            cp.page += 1
        cp.count("pulled", len(listed.items))
        cp.watermark = (
            max([cp.watermark or "", *(i.modified_at or "" for i in listed.items)]) or None
        )
        if listed.items:
            progress.pulled(listed.items, cp)
        else:
            progress.reached(cp)


def _push(plan: Plan, client: PlatformClient, progress: Progress, cp: Checkpoint) -> None:
    """Item by item; the first item of a resumed run may have been sent by the worker that
    died, so it is looked up by its content id before it is sent again."""
    maybe_sent = plan.resumed
    while cp.item < len(plan.items):
        result = _push_one(plan, client, plan.items[cp.item], maybe_sent)
        maybe_sent = False
        cp.item += 1
        cp.count("pushed" if result["success"] else "push_failed")
        if not result["success"] and cp.failure is None:
            cp.failure = f"{result['content_id']}: {result['error']}"
        progress.pushed(result, cp)


def _push_one(
    plan: Plan, client: PlatformClient, item: dict[str, Any], maybe_sent: bool
) -> dict[str, Any]:
    external_id = item.get("external_id") or plan.known_external_id(item["content_id"])
    push = msgspec.convert({**item, "external_id": external_id}, PushItem)
    try:
        found = None
        if external_id is None and maybe_sent:
            found = client.find_pushed(push.post_type, push.content_id, plan.requested_at)
        if found is not None:
            return {
                "content_id": push.content_id,
                "external_id": found.external_id,
                "post_type": found.post_type,
                "action": "found",
                "status": found.status,
                "url": found.url,
                "success": True,
                "title": push.title,
            }
        return {
            **msgspec.to_builtins(client.push_content(push)),
            "success": True,
            "title": push.title,
        }
    except PlatformError as exc:
        if is_transient(exc):
            raise
        return {
            "content_id": push.content_id,
            "external_id": external_id,
            "post_type": push.post_type,
            "success": False,
            "error": exc.message,
        }


def _sweep(plan: Plan, client: PlatformClient, progress: Progress, cp: Checkpoint) -> None:
    sweep(plan.known_posts, client, progress, cp)


STEP_FUNCTIONS: dict[str, Step] = {
    "metadata": _metadata,
    "pull": _pull,
    "push": _push,
    "sweep": _sweep,
}
