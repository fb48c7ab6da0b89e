"""The one small Protocol every platform client implements, and the values it speaks in.

Clients are synchronous (they run in worker threads) and never put a credential into a
result, a message, an exception or a log line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import msgspec


class ConnectionResult(msgspec.Struct, frozen=True, kw_only=True):
    success: bool
    code: str
    """Machine-readable verdict: `ok`, `unreachable`, `dns_failure`, `timeout`,
    `blocked_address`, `not_wordpress`, `rest_disabled`, `unauthorized`, `forbidden`,
    `https_required`, `shop_not_found`, `shop_unavailable`, `bad_response`, …"""
    message: str
    """One sentence a site owner can act on."""
    details: dict[str, Any] = {}
    """Facts found on the way (site name, namespaces, user, shop…); never secrets."""


class Structure(msgspec.Struct, frozen=True, kw_only=True):
    """WordPress post types and taxonomies, keyed by slug as WordPress returns them."""

    post_types: dict[str, Any]
    taxonomies: dict[str, Any]


class ShopInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    domain: str
    currency: str


class ContentItem(msgspec.Struct, frozen=True, kw_only=True):
    external_id: int
    post_type: str
    title: str
    """Plain text: HTML entities decoded."""
    status: str
    url: str
    modified_at: str | None
    """RFC 3339 UTC, or None when WordPress does not know (drafts: `0000-00-00 00:00:00`)."""
    content_id: str | None = None
    """The content platform's id, when the post carries one in its meta."""


class PushItem(msgspec.Struct, frozen=True, kw_only=True):
    content_id: str
    title: str
    content: str
    status: str
    post_type: str
    external_id: int | None = None


class PushResult(msgspec.Struct, frozen=True, kw_only=True):
    content_id: str
    external_id: int
    post_type: str
    action: str
    """`created` or `updated`."""
    status: str
    url: str


class ContentPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a content list: the items changed after the asked time, and the number
    of the list's last page."""

    items: list[ContentItem]
    last_page: int


class PlatformError(Exception):
    """A remote call failed in a way the user should see; `message` is safe to show."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class NotSupportedByPlatform(PlatformError):
    def __init__(self, message: str) -> None:
        super().__init__("not_supported", message)


class PlatformClient(Protocol):
    def test_connection(self) -> ConnectionResult: ...

    def fetch_structure(self) -> Structure: ...

    def fetch_shop(self) -> ShopInfo: ...

    def fetch_content_item(self, external_id: int, post_type: str | None = None) -> ContentItem: ...

    def list_changed_content(
        self, post_types: list[str], modified_after: datetime | None
    ) -> Iterator[list[ContentItem]]:
        """Pages of items changed after the given time (all items when None)."""
        ...

    def content_page(
        self, post_type: str, modified_after: datetime | None, page: int
    ) -> ContentPage:
        """One page (1-based, up to 100 items, oldest id first) of items changed after a time."""
        ...

    def find_pushed(
        self, post_type: str, content_id: str, modified_after: datetime
    ) -> ContentItem | None:
        """The post a push tagged with `content_id` created or changed after a time, if any."""
        ...

    def post_statuses(self, post_type: str, ids: list[int]) -> dict[int, str]:
        """The status of each of these posts (`trash`, `deleted` when gone, …); posts whose
        state cannot be seen (no application password) are left out."""
        ...

    def push_content(self, item: PushItem) -> PushResult: ...

    def close(self) -> None:
        """Release the client's connections."""
        ...
