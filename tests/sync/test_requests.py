"""Who may sync what, one run at a time, and how `wait` answers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.bootstrap import Services
from app.http.app import create_app
from tests.asgi import asgi_client
from tests.conftest import Api, count_events, fake_shopify
from tests.sync.conftest import Connected
from tests.wordpress_site import WordPressSite


def test_two_concurrent_sync_requests_give_one_202_and_one_409(
    services: Services,
    site: WordPressSite,
) -> None:
    site.delay = 0.3
    services.start()

    async def race() -> list[httpx.Response]:
        app = create_app(services, manage_lifecycle=False)
        token = services.tokens.issue(account_id="acc", user_id="u", role="owner")
        async with asgi_client(
            app,
            "http://testserver.local/api/v1/integration",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            owner_site = (
                await client.post("/sites/", json={"name": "s", "url": site.base_url})
            ).json()
            created = (
                await client.post(
                    "/integrations/",
                    json={
                        "site_id": owner_site["id"],
                        "platform": "wordpress",
                        "credentials_json": {"api_key": "k" * 12},
                    },
                )
            ).json()
            path = f"/integrations/{created['id']}/sync/"
            return list(
                await asyncio.gather(
                    client.post(path, json={"direction": "metadata"}),
                    client.post(path, json={"direction": "metadata"}),
                )
            )

    responses = asyncio.run(race())
    assert sorted(r.status_code for r in responses) == [202, 409], [r.text for r in responses]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["type"] == "/problems/sync-already-running"
    assert count_events(services, "sync.requested") == 1


def test_accepted_sync_answers_202_with_a_location_to_poll(connected: Connected) -> None:
    connected.site.delay = 0.5
    response = connected.api.post(f"{connected.path}sync/", json={"direction": "metadata"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    location = response.headers["location"]
    assert location.endswith(f"/syncs/{body['sync_id']}/")
    polled = connected.api.client.get(location, headers=connected.api.headers)
    assert polled.status_code == 200 and polled.json()["sync_id"] == body["sync_id"]


def test_a_short_wait_answers_202_while_the_run_goes_on(connected: Connected) -> None:
    connected.site.delay = 1.0
    response = connected.api.post(f"{connected.path}sync/?wait=0.2", json={"direction": "metadata"})
    assert response.status_code == 202
    assert connected.get("sync-status/")["current_run"]["status"] in ("pending", "running")


@pytest.mark.parametrize(
    ("change", "slug"),
    [({"is_active": False}, "integration-inactive"), ({"sync_enabled": False}, "conflict")],
)
def test_inactive_or_sync_disabled_integrations_do_not_sync(
    connected: Connected,
    change: dict[str, bool],
    slug: str,
) -> None:
    connected.api.patch(connected.path, json=change)
    before = count_events(connected.api.services)
    response = connected.api.post(f"{connected.path}sync/", json={"direction": "metadata"})
    assert response.status_code == 409
    assert response.json()["type"] == f"/problems/{slug}"
    assert count_events(connected.api.services) == before


@pytest.mark.parametrize(
    ("platform", "direction"),
    [("custom", "metadata"), ("shopify", "from_external"), ("shopify", "both")],
)
def test_unsupported_platform_directions_are_501(api: Api, platform: str, direction: str) -> None:
    owner_site = api.create_site()
    created = api.create_integration(owner_site["id"], platform)
    response = api.post(f"/integrations/{created['id']}/sync/", json={"direction": direction})
    assert response.status_code == 501
    assert response.json()["type"] == "/problems/not-supported"


def test_shopify_metadata_records_the_shop(api: Api) -> None:
    fake_shopify(api.services, {"name": "Demo Shop", "currency": "EUR", "domain": "shop.example"})
    owner_site = api.create_site()
    created = api.create_integration(owner_site["id"], "shopify")
    run = api.post(
        f"/integrations/{created['id']}/sync/?wait=10", json={"direction": "metadata"}
    ).json()
    assert run["status"] == "success" and run["counts"] == {"shop": 1}
    shop_info = api.get(f"/integrations/{created['id']}/").json()["config_json"]["shop"]
    assert shop_info == {"name": "Demo Shop", "domain": "shop.example", "currency": "EUR"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"direction": "to_external"}, "items"),
        (
            {
                "direction": "metadata",
                "items": [
                    {
                        "content_id": "a",
                        "title": "t",
                        "content": "c",
                        "status": "publish",
                        "post_type": "post",
                    }
                ],
            },
            "items",
        ),
        ({"direction": "to_external", "items": [{"content_id": "a"}]}, "items[0].title"),
        (
            {
                "direction": "to_external",
                "items": [
                    {
                        "content_id": "a",
                        "title": "t",
                        "content": "c",
                        "status": "published",
                        "post_type": "post",
                    }
                ],
            },
            "items[0].status",
        ),
        ({"direction": "metadata", "bogus": True}, "bogus"),
    ],
)
def test_bad_sync_bodies_are_400_and_change_nothing(
    connected: Connected, body: dict[str, Any], field: str
) -> None:
    before = count_events(connected.api.services)
    response = connected.api.post(f"{connected.path}sync/", json=body)
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count_events(connected.api.services) == before


def test_negative_wait_is_refused(connected: Connected) -> None:
    response = connected.api.post(f"{connected.path}sync/?wait=-1", json={"direction": "metadata"})
    assert response.status_code == 400


def test_other_accounts_cannot_sync_or_read_sync_routes(
    connected: Connected, other_api: Api
) -> None:
    run = connected.sync("metadata")
    for method, suffix, body in [
        ("POST", "sync/", {"direction": "metadata"}),
        ("GET", "sync-status/", None),
        ("GET", "debug-status/", None),
        ("GET", "content/", None),
        ("GET", f"syncs/{run['sync_id']}/", None),
        ("POST", "sync-wordpress-content/", {"content_id": "x", "external_id": 1}),
    ]:
        response = other_api.request(method, connected.path + suffix, json=body)
        assert response.status_code == 404, suffix
