"""Shopify Admin API: enough to test a shop's access token and read the shop's identity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    ContentPage,
    NotSupportedByPlatform,
    PlatformError,
    PushItem,
    PushResult,
    ShopInfo,
    Structure,
)
from app.platforms.http import OutboundClient
from app.platforms.replies import Reply

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
NO_CONTENT = "Content sync is not supported for Shopify."


class ShopifyClient:
    """Always `https://{shop_domain}`; `base_url` (tests, development) only on private networks."""

    def __init__(
        self,
        *,
        shop_domain: str,
        access_token: str,
        api_version: str,
        http: OutboundClient,
        base_url: str | None = None,
    ) -> None:
        self._domain = shop_domain.strip().lower()
        self._token = access_token
        self._api_version = api_version
        self._http = http
        use_base = base_url is not None and http.config.allow_private_network
        self._base_url = base_url.rstrip("/") if base_url and use_base else None

    def test_connection(self) -> ConnectionResult:
        try:
            shop = self._shop()
        except PlatformError as exc:
            return ConnectionResult(
                success=False, code=exc.code, message=exc.message, details=exc.details
            )
        details = {
            "name": shop.get("name"),
            "domain": shop.get("domain"),
            "myshopify_domain": shop.get("myshopify_domain", self._domain),
            "currency": shop.get("currency"),
            "plan": shop.get("plan_display_name") or shop.get("plan_name"),
            "api_version": self._api_version,
        }
        return ConnectionResult(
            success=True,
            code="ok",
            message=f"Connected to the Shopify shop {shop.get('name') or self._domain}.",
            details={k: v for k, v in details.items() if v is not None},
        )

    def fetch_shop(self) -> ShopInfo:
        shop = self._shop()
        return ShopInfo(
            name=str(shop.get("name", "")),
            domain=str(shop.get("domain") or self._domain),
            currency=str(shop.get("currency", "")),
        )

    def fetch_structure(self) -> Structure:
        raise NotSupportedByPlatform(NO_CONTENT)

    def fetch_content_item(self, external_id: int, post_type: str | None = None) -> ContentItem:
        raise NotSupportedByPlatform(NO_CONTENT)

    def list_changed_content(
        self, post_types: list[str], modified_after: datetime | None
    ) -> Iterator[list[ContentItem]]:
        raise NotSupportedByPlatform(NO_CONTENT)

    def content_page(
        self, post_type: str, modified_after: datetime | None, page: int
    ) -> ContentPage:
        raise NotSupportedByPlatform(NO_CONTENT)

    def find_pushed(
        self, post_type: str, content_id: str, modified_after: datetime
    ) -> ContentItem | None:
        raise NotSupportedByPlatform(NO_CONTENT)

    def post_statuses(self, post_type: str, ids: list[int]) -> dict[int, str]:
        raise NotSupportedByPlatform(NO_CONTENT)

    def push_content(self, item: PushItem) -> PushResult:
        raise NotSupportedByPlatform(NO_CONTENT)

    def close(self) -> None:
        self._http.close()

    def _shop(self) -> dict[str, Any]:
        if not SHOP_DOMAIN.match(self._domain):
            raise PlatformError(
                "bad_url",
                f"'{self._domain}' is not a Shopify shop domain; it should look like "
                "your-shop.myshopify.com.",
            )
        base = self._base_url or f"https://{self._domain}"
        reply = self._http.request(
            "GET",
            f"{base}/admin/api/{self._api_version}/shop.json",
            headers={"X-Shopify-Access-Token": self._token, "Accept": "application/json"},
        )
        body = reply.json()
        if reply.status == 200 and isinstance(body, dict) and isinstance(body.get("shop"), dict):
            return dict(body["shop"])
        raise self._failure(reply)

    def _failure(self, reply: Reply) -> PlatformError:
        domain, status = self._domain, reply.status
        details = {"http_status": status, "shop_domain": domain}
        if status in (401, 403):
            return PlatformError(
                "unauthorized" if status == 401 else "forbidden",
                f"Shopify did not accept the access token for {domain} (HTTP {status}); "
                "check the token of the shop's custom app and its API access scopes.",
                details,
            )
        if status in (402, 423):
            why = "frozen for unpaid bills" if status == 402 else "locked by Shopify"
            return PlatformError(
                "shop_unavailable",
                f"The Shopify shop {domain} is {why} (HTTP {status}); "
                "its owner has to resolve this with Shopify.",
                details,
            )
        if status == 404:
            return PlatformError(
                "shop_not_found",
                f"Shopify knows no shop at {domain}, or API version {self._api_version} does "
                "not exist (HTTP 404); check the shop domain.",
                details,
            )
        return PlatformError(
            "bad_response",
            f"Shopify answered HTTP {status} for {domain}; try again later.",
            details,
        )
