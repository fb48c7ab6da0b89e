"""Create, read, update and delete integrations over HTTP, on every platform."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, count_events

PLATFORMS = ["wordpress", "shopify", "custom"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_full_crud_round_trip(api: Api, platform: str) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"], platform)
    assert created["platform"] == platform
    assert created["version"] == 1
    path = f"/integrations/{created['id']}/"

    fetched = api.get(path)
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == '"1"'

    changed = api.patch(path, json={"config_json": {"sync_interval": 15}, "is_active": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["config_json"]["sync_interval"] == 15
    assert changed.json()["is_active"] is False
    assert api.get(path).json() == changed.json()

    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert api.get("/integrations/").json()["results"] == []


def test_create_answers_location_etag_and_defaults(api: Api) -> None:
    site = api.create_site(url="https://shop.example.org")
    response = api.post(
        "/integrations/",
        json={
            "site_id": site["id"],
            "platform": "wordpress",
            "credentials_json": {
                "api_key": "abcdefgh12345678",
                "username": "admin",
                "app_password": "xxxx yyyy zzzz",
            },
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/integration/integrations/{body['id']}/"
    assert response.headers["etag"] == '"1"'
    assert body["platform_type"] == "cms"
    assert body["config_json"] == {"site_url": "https://shop.example.org"}
    assert body["api_key"] == "********5678"
    assert body["credential_fields"] == ["api_key", "app_password", "username"]
    assert body["sync_status"] == "never_synced"
    assert body["account_id"] == api.account_id


def test_shopify_defaults_api_version_and_has_no_api_key(api: Api) -> None:
    site = api.create_site()
    body = api.create_integration(site["id"], "shopify")
    assert body["platform_type"] == "ecommerce"
    assert body["config_json"]["api_version"] == api.services.settings.shopify_api_version
    assert body["api_key"] is None


def test_second_integration_for_same_site_and_platform_conflicts(api: Api) -> None:
    site = api.create_site()
    api.create_integration(site["id"])
    again = api.post(
        "/integrations/",
        json={
            "site_id": site["id"],
            "platform": "wordpress",
            "credentials_json": {"api_key": "other-key-123"},
        },
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/duplicate-integration"
    assert api.create_integration(site["id"], "shopify")["platform"] == "shopify"


def test_same_site_and_platform_can_be_created_again_after_delete(api: Api) -> None:
    site = api.create_site()
    first = api.create_integration(site["id"])
    assert api.delete(f"/integrations/{first['id']}/").status_code == 204
    second = api.create_integration(site["id"])
    assert second["id"] != first["id"]
    assert [i["id"] for i in api.get("/integrations/").json()["results"]] == [second["id"]]


def test_patch_merges_config_and_credentials(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(
        site["id"],
        config_json={"a": 1, "b": {"c": 2, "d": 3}},
        credentials_json={
            "api_key": "first-key-123456",
            "username": "admin",
            "app_password": "pw pw pw",
        },
    )
    path = f"/integrations/{created['id']}/"
    response = api.patch(
        path,
        json={
            "config_json": {"a": None, "b": {"c": 5}},
            "credentials_json": {
                "username": None,
                "app_password": None,
                "api_key": "second-key-7890",
            },
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["config_json"] == {"site_url": "https://blog.example.com", "b": {"c": 5, "d": 3}}
    assert body["credential_fields"] == ["api_key"]
    assert body["api_key"] == "********7890"
    assert body["version"] == 3


def test_empty_patch_changes_nothing(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    before = count_events(api.services)
    response = api.patch(f"/integrations/{created['id']}/", json={})
    assert response.status_code == 200
    assert response.json() == created
    assert count_events(api.services) == before


def test_if_match_guards_against_stale_updates(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    ok = api.patch(path, json={"sync_enabled": False}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = api.patch(path, json={"sync_enabled": True}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    stale_delete = api.delete(path, headers={"If-Match": '"1"'})
    assert stale_delete.status_code == 412
    assert api.delete(path, headers={"If-Match": '"2"'}).status_code == 204


def test_list_filters_and_paginates(api: Api) -> None:
    ids = []
    for n in range(5):
        site = api.create_site(name=f"Site {n}")
        ids.append(api.create_integration(site["id"], "custom")["id"])
    shop_site = api.create_site(name="Shop")
    shop = api.create_integration(shop_site["id"], "shopify", is_active=False)

    assert [i["id"] for i in api.get("/integrations/?platform=shopify").json()["results"]] == [
        shop["id"]
    ]
    assert len(api.get("/integrations/?is_active=true").json()["results"]) == 5
    assert [
        i["id"] for i in api.get(f"/integrations/?site_id={shop_site['id']}").json()["results"]
    ] == [shop["id"]]

    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page: dict[str, Any] = api.get(f"/integrations/{query}").json()
        seen += [i["id"] for i in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [*ids, shop["id"]]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "cursor=garbage",
        "platform=ftp",
        "sync_status=bored",
        "is_active=perhaps",
    ],
)
def test_list_refuses_bad_parameters(api: Api, query: str) -> None:
    response = api.get(f"/integrations/?{query}")
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/validation-error"
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_trailing_slash_is_optional(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    assert api.get(f"/integrations/{created['id']}").json() == created
    assert api.get("/integrations").status_code == 200


def test_get_after_every_write_sees_the_write(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    path = f"/integrations/{created['id']}/"
    for n in range(10):
        written = api.patch(path, json={"config_json": {"n": n}}).json()
        assert api.get(path).json() == written
        assert api.get("/integrations/").json()["results"][0] == written
