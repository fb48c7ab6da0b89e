"""What a sync run does, direction by direction, against one platform client. It reports
each step to a `Progress` (which records events) and decides nothing about storage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import msgspec

from app.aggregates.time import parse_iso
from app.platforms import ContentItem, PlatformClient, PlatformError, PushItem, ShopInfo

INTERNAL_TYPES = frozenset({"attachment", "nav_menu_item", "wp_block", "wp_template",
                            "wp_template_part", "wp_navigation", "wp_global_styles",
                            "wp_font_family", "wp_font_face"})


class Progress(Protocol):
    def structure(self, content_types: dict[str, Any]) -> None: ...

    def shop(self, shop: ShopInfo) -> None: ...

    def pulled(self, items: list[ContentItem], counts: dict[str, int]) -> None: ...

    def pushed(self, result: dict[str, Any], counts: dict[str, int]) -> None: ...

    def phase(self, name: str, counts: dict[str, int]) -> None: ...


@dataclass
class Plan:
    platform: str
    direction: str
    config: dict[str, Any]
    content_types: list[str]
    items: list[dict[str, Any]]
    watermark: str | None
    known_external_id: Callable[[str], int | None]
    now: Callable[[], str]


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    watermark: str | None = None
    failures: list[str] = field(default_factory=list)


def execute(plan: Plan, client: PlatformClient, progress: Progress) -> Outcome:
    outcome = Outcome(watermark=plan.watermark)
    if plan.direction in ("metadata", "both"):
        _metadata(plan, client, progress, outcome)
    if plan.direction in ("from_external", "both"):
        _pull(plan, client, progress, outcome)
    if plan.direction in ("to_external", "both"):
        _push(plan, client, progress, outcome)
    return outcome


def pull_types(requested: list[str], config: dict[str, Any]) -> list[str]:
    """The run's types, else the enabled types the site told us about, else posts and pages."""
    if requested:
        return requested
    known = (config.get("content_types") or {}).get("post_types") or {}
    enabled = [slug for slug, info in known.items() if slug not in INTERNAL_TYPES
               and not (isinstance(info, dict) and info.get("enabled") is False)]
    return enabled or ["post", "page"]


def _metadata(plan: Plan, client: PlatformClient, progress: Progress, outcome: Outcome) -> None:
    progress.phase("metadata", dict(outcome.counts))
    if plan.platform == "shopify":
        progress.shop(client.fetch_shop())
        outcome.counts["shop"] = 1
        return
    structure = client.fetch_structure()
    before = plan.config.get("content_types") or {}
    progress.structure({
        "post_types": structure.post_types, "taxonomies": structure.taxonomies,
        "plugin_connection_enabled": bool(before.get("plugin_connection_enabled", False)),
        "two_way_sync_enabled": bool(before.get("two_way_sync_enabled", False)),
        "last_structure_fetch": plan.now(),
    })
    outcome.counts.update(post_types=len(structure.post_types),
                          taxonomies=len(structure.taxonomies))


def _pull(plan: Plan, client: PlatformClient, progress: Progress, outcome: Outcome) -> None:
    progress.phase("from_external", dict(outcome.counts))
    since: datetime | None = parse_iso(plan.watermark) if plan.watermark else None
    for page in client.list_changed_content(pull_types(plan.content_types, plan.config), since):
        outcome.counts["pulled"] += len(page)
        for item in page:
            if item.modified_at and (not outcome.watermark or item.modified_at > outcome.watermark):
                outcome.watermark = item.modified_at
        progress.pulled(page, dict(outcome.counts))


def _push(plan: Plan, client: PlatformClient, progress: Progress, outcome: Outcome) -> None:
    progress.phase("to_external", dict(outcome.counts))
    for item in plan.items:
        external_id = item.get("external_id") or plan.known_external_id(item["content_id"])
        push = msgspec.convert({**item, "external_id": external_id}, PushItem)
        try:
            result = {**msgspec.to_builtins(client.push_content(push)), "success": True,
                      "title": push.title}
            outcome.counts["pushed"] += 1
        except PlatformError as exc:
            result = {"content_id": push.content_id, "external_id": external_id,
                      "post_type": push.post_type, "success": False, "error": exc.message}
            outcome.counts["push_failed"] += 1
            outcome.failures.append(f"{push.content_id}: {exc.message}")
        progress.pushed(result, dict(outcome.counts))
