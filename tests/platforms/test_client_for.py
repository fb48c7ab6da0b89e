"""`client_for` picks the platform's client; `custom` supports nothing remote."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.platforms import (
    CustomClient,
    NotSupportedByPlatform,
    OutboundHTTP,
    PlatformError,
    PushItem,
    ShopifyClient,
    WordPressClient,
    client_for,
)

Outbound = Callable[..., OutboundHTTP]


def test_wordpress_needs_a_site_url(outbound: Outbound) -> None:
    client = client_for("wordpress", {"site_url": "https://blog.example"}, {}, outbound())
    assert isinstance(client, WordPressClient)
    with pytest.raises(PlatformError) as missing:
        client_for("wordpress", {}, {"api_key": "k"}, outbound())
    assert missing.value.code == "bad_url"


def test_shopify_defaults_to_the_configured_api_version(outbound: Outbound) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(401)

    config = {"shop_domain": "shop.myshopify.com"}
    client = client_for("shopify", config, {"access_token": "t"}, outbound(answer))
    assert isinstance(client, ShopifyClient)
    client.test_connection()
    assert seen == ["/admin/api/2026-10/shop.json"]


def test_custom_integrations_support_nothing_remote(outbound: Outbound) -> None:
    client = client_for("custom", {}, {}, outbound())
    assert isinstance(client, CustomClient)
    item = PushItem(content_id="c", title="t", content="", status="draft", post_type="post")
    for call in (
        client.test_connection,
        client.fetch_structure,
        client.fetch_shop,
        lambda: client.fetch_content_item(1),
        lambda: client.list_changed_content([], None),
        lambda: client.push_content(item),
    ):
        with pytest.raises(NotSupportedByPlatform) as refused:
            call()
        assert refused.value.code == "not_supported"
        assert refused.value.message.endswith("not supported for custom integrations.")


def test_unknown_platforms_are_not_supported(outbound: Outbound) -> None:
    with pytest.raises(NotSupportedByPlatform, match="'joomla' is not supported"):
        client_for("joomla", {}, {}, outbound())
