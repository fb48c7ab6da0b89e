"""`custom` integrations record configuration only: nothing is ever called remotely."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    ContentPage,
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

    def content_page(
        self, post_type: str, modified_after: datetime | None, page: int
    ) -> ContentPage:
        raise _unsupported("Content sync")

    def find_pushed(
        self, post_type: str, content_id: str, modified_after: datetime
    ) -> ContentItem | None:
        raise _unsupported("Content sync")

    def post_statuses(self, post_type: str, ids: list[int]) -> dict[int, str]:
        raise _unsupported("Content sync")

    def push_content(self, item: PushItem) -> PushResult:
        raise _unsupported("Content sync")

    def close(self) -> None:
        """Nothing to release."""
