"""Shopify connection test and shop info: each answer of the Admin API explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.platforms.base import NotSupportedByPlatform, PlatformError, PushItem
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.shopify import ShopifyClient

TOKEN = "shpat_0123456789abcdef"
SHOP = {
    "shop": {
        "name": "Fixture Goods",
        "domain": "goods.example",
        "currency": "EUR",
        "myshopify_domain": "shop.myshopify.com",
        "plan_display_name": "Basic",
    }
}
Build = Callable[..., ShopifyClient]


@pytest.fixture
def shopify(outbound: Callable[..., OutboundHTTP]) -> Build:
    def build(answer: Any, domain: str = "shop.myshopify.com", **config: Any) -> ShopifyClient:
        base_url = config.pop("base_url", None)
        http = OutboundClient(outbound(answer, **config))
        return ShopifyClient(
            shop_domain=domain,
            access_token=TOKEN,
            api_version="2026-10",
            http=http,
            base_url=base_url,
        )

    return build


def respond(status: int, body: Any = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        status, json=body if body is not None else {"errors": "x"}
    )


def test_a_good_token_reports_the_shop(shopify: Build) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SHOP)

    result = shopify(answer).test_connection()
    assert (result.success, result.code) == (True, "ok")
    assert result.message == "Connected to the Shopify shop Fixture Goods."
    assert result.details["currency"] == "EUR" and result.details["plan"] == "Basic"
    assert str(seen[0].url) == "https://shop.myshopify.com/admin/api/2026-10/shop.json"
    assert seen[0].headers["x-shopify-access-token"] == TOKEN
    assert TOKEN not in repr(result)


@pytest.mark.parametrize(
    ("status", "code", "phrase"),
    [
        (401, "unauthorized", "did not accept the access token"),
        (402, "shop_unavailable", "frozen for unpaid bills"),
        (423, "shop_unavailable", "locked by Shopify"),
        (404, "shop_not_found", "knows no shop at shop.myshopify.com"),
    ],
)
def test_failures_are_explained(shopify: Build, status: int, code: str, phrase: str) -> None:
    result = shopify(respond(status)).test_connection()
    assert (result.success, result.code) == (False, code)
    assert phrase in result.message and TOKEN not in result.message


def test_failure_messages_all_differ(shopify: Build) -> None:
    messages = {shopify(respond(s)).test_connection().message for s in (401, 402, 423, 404, 500)}
    assert len(messages) == 5


def test_a_silent_shop_times_out(shopify: Build) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    result = shopify(hang).test_connection()
    assert (result.code, result.success) == ("timeout", False)
    assert "shop.myshopify.com did not answer within" in result.message


def test_a_domain_that_is_not_a_shop_is_refused_before_any_request(shopify: Build) -> None:
    calls: list[httpx.Request] = []
    result = shopify(lambda r: calls.append(r) or httpx.Response(200), domain="evil.example")
    assert result.test_connection().code == "bad_url"
    assert calls == []


def test_fetch_shop_reads_name_domain_and_currency(shopify: Build) -> None:
    shop = shopify(respond(200, SHOP)).fetch_shop()
    assert (shop.name, shop.domain, shop.currency) == ("Fixture Goods", "goods.example", "EUR")


def test_fetch_shop_raises_the_explained_failure(shopify: Build) -> None:
    with pytest.raises(PlatformError) as failed:
        shopify(respond(401)).fetch_shop()
    assert failed.value.code == "unauthorized"


def test_base_url_is_only_honoured_on_private_networks(shopify: Build) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.copy_with(path="/")))
        return httpx.Response(200, json=SHOP)

    shopify(answer, base_url="http://127.0.0.1:9").fetch_shop()
    shopify(answer, base_url="http://127.0.0.1:9", allow_private_network=True).fetch_shop()
    assert seen == ["https://shop.myshopify.com/", "http://127.0.0.1:9/"]


def test_content_sync_is_not_supported(shopify: Build) -> None:
    client = shopify(respond(200, SHOP))
    item = PushItem(content_id="c", title="t", content="", status="draft", post_type="post")
    for call in (
        client.fetch_structure,
        lambda: client.fetch_content_item(1),
        lambda: client.list_changed_content(["post"], None),
        lambda: client.push_content(item),
    ):
        with pytest.raises(NotSupportedByPlatform, match="not supported for Shopify"):
            call()
