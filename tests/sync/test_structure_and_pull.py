"""The plugin's structure push and single-item pulls."""

from __future__ import annotations

from typing import Any

import pytest

from app.projections.sites import SITES
from tests.conftest import Api, count_events
from tests.sync.conftest import Connected

STRUCTURE = {
    "post_types": {
        "post": {"name": "Posts", "rest_base": "posts"},
        "recipe": {"name": "Recipes", "rest_base": "recipes"},
    },
    "taxonomies": {"cuisine": {"name": "Cuisines", "types": ["recipe"]}},
    "plugin_connection_enabled": True,
    "two_way_sync_enabled": False,
    "timestamp": "2026-11-20T10:00:00Z",
}


def push_structure(connected: Connected, body: dict[str, Any], **headers: str) -> Any:
    return connected.api.client.post(
        f"/api/v1/integration{connected.path}update-structure/", json=body, headers=headers
    )


def test_the_plugin_pushes_structure_with_the_site_key(connected: Connected) -> None:
    site_key = connected.api.get("/sites/").json()["results"][0]
    owner = connected.api.services.db.one(f"SELECT * FROM {SITES} WHERE id = ?", (site_key["id"],))
    assert owner is not None
    rotated = connected.api.post(f"/sites/{site_key['id']}/rotate-api-key/").json()["api_key"]
    response = push_structure(connected, STRUCTURE, **{"X-Api-Key": rotated})
    assert response.status_code == 200, response.text
    assert response.json() == {
        **{
            k: STRUCTURE[k]
            for k in (
                "post_types",
                "taxonomies",
                "plugin_connection_enabled",
                "two_way_sync_enabled",
            )
        },
        "last_structure_fetch": "2026-11-20T10:00:00.000000Z",
    }
    assert connected.get("content-types/") == response.json()
    history = connected.get("history/")["results"]
    assert history[-1]["type"] == "integration.structure_updated"
    assert history[-1]["actor"] == f"site:{site_key['id']}"
    assert history[-1]["data"]["source"] == "plugin"


def test_the_integration_api_key_also_authorises_a_push(connected: Connected) -> None:
    response = push_structure(connected, STRUCTURE, **{"X-Api-Key": "plugin-key-0001"})
    assert response.status_code == 200


def test_an_editor_may_push_structure(connected: Connected) -> None:
    editor = Api(
        connected.api.client,
        connected.api.services,
        account_id=connected.api.account_id,
        role="editor",
    )
    response = push_structure(connected, STRUCTURE, Authorization=f"Bearer {editor.token}")
    assert response.status_code == 200
    history = connected.get("history/")["results"]
    assert history[-1]["data"]["source"] == "user"


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"X-Api-Key": "wpk_wrong"}, 403)])
def test_structure_pushes_without_the_right_key_are_refused(
    connected: Connected,
    headers: dict[str, str],
    status: int,
) -> None:
    before = count_events(connected.api.services)
    assert push_structure(connected, STRUCTURE, **headers).status_code == status
    assert count_events(connected.api.services) == before


def test_viewers_and_other_accounts_cannot_push_structure(
    connected: Connected, other_api: Api
) -> None:
    viewer = Api(
        connected.api.client,
        connected.api.services,
        account_id=connected.api.account_id,
        role="viewer",
    )
    assert (
        push_structure(connected, STRUCTURE, Authorization=f"Bearer {viewer.token}").status_code
        == 403
    )
    assert (
        push_structure(connected, STRUCTURE, Authorization=f"Bearer {other_api.token}").status_code
        == 404
    )


def test_structure_bodies_are_validated(connected: Connected) -> None:
    response = push_structure(
        connected, {"post_types": [], "taxonomies": {}}, **{"X-Api-Key": "plugin-key-0001"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "post_types"


def test_pull_one_item_by_its_wordpress_id(connected: Connected) -> None:
    response = connected.api.post(
        f"{connected.path}sync-wordpress-content/", json={"content_id": "intro", "external_id": 1}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["item"]["title"] == "Hello world!"
    indexed = connected.get("content/?content_id=intro")["results"]
    assert [(c["external_id"], c["post_type"]) for c in indexed] == [(1, "post")]
    log = connected.get("sync-events/?event_type=content")["results"][0]
    assert (log["action"], log["content_id"], log["external_id"], log["success"]) == (
        "pull",
        "intro",
        1,
        True,
    )


def test_pull_without_external_id_uses_the_learned_mapping(connected: Connected) -> None:
    missing = connected.api.post(
        f"{connected.path}sync-wordpress-content/", json={"content_id": "unknown-article"}
    )
    assert missing.status_code == 404
    assert "external_id" in missing.json()["detail"]
    connected.sync(
        "to_external",
        items=[
            {
                "content_id": "a-1",
                "title": "A",
                "content": "c",
                "status": "publish",
                "post_type": "page",
            }
        ],
    )
    post_id = connected.get("content/?content_id=a-1")["results"][0]["external_id"]
    pulled = connected.api.post(
        f"{connected.path}sync-wordpress-content/", json={"content_id": "a-1"}
    ).json()
    assert (pulled["success"], pulled["external_id"], pulled["item"]["post_type"]) == (
        True,
        post_id,
        "page",
    )


def test_a_post_wordpress_does_not_have_is_a_recorded_failure(connected: Connected) -> None:
    body = connected.api.post(
        f"{connected.path}sync-wordpress-content/",
        json={"content_id": "gone", "external_id": 424242},
    ).json()
    assert body["success"] is False and body["item"] is None and body["error"]
    log = connected.get("sync-events/?event_type=content&success=false")["results"]
    assert log[0]["external_id"] == 424242 and log[0]["error_message"] == body["error"]


def test_a_webhook_teaches_the_mapping_a_later_pull_uses(connected: Connected) -> None:
    delivered = connected.api.client.post(
        "/api/v1/integration/webhooks/wordpress/status/",
        json={"post_id": 4, "content_id": "from-webhook", "status": "publish"},
        headers={"X-Api-Key": "plugin-key-0001", "webhook-id": "delivery-1"},
    )
    assert delivered.json() == {"ok": True, "duplicate": False}
    before = len(connected.site.requests)
    pulled = connected.api.post(
        f"{connected.path}sync-wordpress-content/", json={"content_id": "from-webhook"}
    ).json()
    assert (pulled["success"], pulled["external_id"]) == (True, 4)
    assert pulled["item"]["title"] == connected.site.post(4)["title"]["rendered"]
    fetched = [r.route for r in connected.site.requests[before:]]
    assert "/wp/v2/posts/4" in fetched
