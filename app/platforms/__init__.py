"""Outbound platform clients behind one Protocol, and the SSRF-safe HTTP they all use.

`client_for` is the only constructor the rest of the service needs. Clients hold a
connection pool: call `close()` when done with one (or wrap it in `contextlib.closing`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.platforms.base import (
    ConnectionResult,
    ContentItem,
    ContentPage,
    NotSupportedByPlatform,
    PlatformClient,
    PlatformError,
    PushItem,
    PushResult,
    ShopInfo,
    Structure,
)
from app.platforms.custom import CustomClient
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.shopify import ShopifyClient
from app.platforms.wordpress import WordPressClient

__all__ = [
    "ConnectionResult",
    "ContentItem",
    "ContentPage",
    "CustomClient",
    "NotSupportedByPlatform",
    "OutboundHTTP",
    "PlatformClient",
    "PlatformError",
    "PushItem",
    "PushResult",
    "ShopInfo",
    "ShopifyClient",
    "Structure",
    "WordPressClient",
    "client_for",
]


def client_for(
    platform: str,
    config: Mapping[str, Any],
    credentials: Mapping[str, Any],
    http: OutboundHTTP,
) -> PlatformClient:
    """The client for an integration's platform, from its config and decrypted credentials."""
    if platform == "wordpress":
        return _wordpress(config, credentials, http)
    if platform == "shopify":
        return ShopifyClient(
            shop_domain=str(config.get("shop_domain", "")),
            access_token=str(credentials.get("access_token", "")),
            api_version=str(config.get("api_version") or http.shopify_api_version),
            http=OutboundClient(http, "shopify"),
            base_url=config.get("base_url"),
        )
    if platform == "custom":
        return CustomClient()
    raise NotSupportedByPlatform(f"The platform '{platform}' is not supported.")


def _wordpress(
    config: Mapping[str, Any], credentials: Mapping[str, Any], http: OutboundHTTP
) -> WordPressClient:
    site_url = config.get("site_url")
    if not isinstance(site_url, str) or not site_url:
        raise PlatformError("bad_url", "The integration has no WordPress site address (site_url).")
    return WordPressClient(
        site_url=site_url,
        username=credentials.get("username") or None,
        app_password=credentials.get("app_password") or None,
        http=OutboundClient(http, "wordpress"),
    )
