"""`custom` integrations record configuration only: nothing is ever called remotely."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    NotSupportedByPlatform,
    PushItem,
    PushResult,
    ShopInfo,
    Structure,
)


def _unsupported(what: str) -> NotSupportedByPlatform:
    return NotSupportedByPlatform(f"{what} is not supported for custom integrations.")


class CustomClient:
    def test_connection(self) -> ConnectionResult:
        raise _unsupported("Testing the connection")

    def fetch_structure(self) -> Structure:
        raise _unsupported("Reading the site structure")

    def fetch_shop(self) -> ShopInfo:
        raise _unsupported("Reading shop information")

    def fetch_content_item(self, external_id: int, post_type: str | None = None) -> ContentItem:
        raise _unsupported("Content sync")

    def list_changed_content(
        self, post_types: list[str], modified_after: datetime | None
    ) -> Iterator[list[ContentItem]]:
        raise _unsupported("Content sync")

    def push_content(self, item: PushItem) -> PushResult:
        raise _unsupported("Content sync")

    def close(self) -> None:
        """Nothing to release."""
