"""WordPress post objects, read into `ContentItem`s with the quirks WordPress is known for."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from app.aggregates.bounds import INT64_MAX
from app.platforms.base import ContentItem, PlatformError, PushItem

CONTENT_ID_META_KEYS = ("igny8_content_id", "content_id")
"""Post meta holding the content platform's id; the first is what pushes write. WordPress
only exposes (and stores) meta registered with `show_in_rest`, which the plugin does."""

NOT_CONTENT = frozenset(
    {"attachment", "nav_menu_item", "wp_block", "wp_template", "wp_template_part", "wp_navigation"}
)
"""Post types that are site machinery rather than content a sync should look for."""

LOCAL_TIME_SLACK = timedelta(hours=2)
"""Margin for daylight-saving shifts the site's current `gmt_offset` does not describe."""


def post_id(post: Mapping[str, Any]) -> int:
    """The post's id, which must be one our tables can hold (a hostile site may send any)."""
    value = post.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT64_MAX:
        raise PlatformError("bad_reply", "WordPress sent a post without a valid id.")
    return value


def has_valid_id(post: Mapping[str, Any]) -> bool:
    try:
        post_id(post)
    except PlatformError:
        return False
    return True


def content_item(post: Mapping[str, Any], post_type: str) -> ContentItem:
    return ContentItem(
        external_id=post_id(post),
        post_type=str(post.get("type") or post_type),
        title=html.unescape(_rendered(post.get("title"))),
        status=str(post.get("status", "")),
        url=str(post.get("link", "")),
        modified_at=rfc3339(post.get("modified_gmt")),
        content_id=content_id(post.get("meta")),
    )


def push_body(item: PushItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "content": item.content,
        "status": item.status,
        "meta": {CONTENT_ID_META_KEYS[0]: item.content_id},
    }


def rfc3339(modified_gmt: object) -> str | None:
    """`2024-01-10T09:00:00` (UTC without zone) as `2024-01-10T09:00:00Z`; zero dates → None."""
    if not isinstance(modified_gmt, str) or modified_gmt.startswith("0000-00-00"):
        return None
    try:
        moment = datetime.fromisoformat(modified_gmt.replace(" ", "T"))
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def changed_after(item: ContentItem, moment: datetime | None) -> bool:
    """Items without a known modification time are always kept: better twice than never."""
    if moment is None or item.modified_at is None:
        return True
    return datetime.fromisoformat(item.modified_at) > moment.astimezone(UTC)


def modified_after_param(moment: datetime, gmt_offset: object) -> str:
    """WordPress compares `modified_after` with the post's *local* modification time, so send
    the site's local time, a little early; `changed_after` then filters exactly."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=_hours(gmt_offset))
    return (local - LOCAL_TIME_SLACK).strftime("%Y-%m-%dT%H:%M:%S")


def content_id(meta: object) -> str | None:
    if not isinstance(meta, Mapping):
        return None  # WordPress sends `[]` when a post has no registered meta
    for key in CONTENT_ID_META_KEYS:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value not in (None, ""):
            return str(value)
    return None


def _hours(gmt_offset: object) -> float:
    try:
        return float(gmt_offset) if isinstance(gmt_offset, int | float | str) else 0.0
    except ValueError:
        return 0.0


def _rendered(field: object) -> str:
    if isinstance(field, Mapping):
        return str(field.get("rendered", field.get("raw", "")))
    return "" if field is None else str(field)
