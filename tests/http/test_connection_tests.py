"""Connection tests through the real service against a WordPress imitation on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
from typing import Any

import pytest

from tests.conftest import LOOPBACK_PLATFORMS, Api, count_events, fake_shopify
from tests.wordpress_site import APP_PASSWORD, WordPressSite


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return LOOPBACK_PLATFORMS


def wordpress(api: Api, site: WordPressSite, **credentials: str) -> tuple[dict[str, Any], str]:
    owner_site = api.create_site(url=site.base_url)
    created = api.create_integration(
        owner_site["id"], credentials_json={"api_key": "plugin-key-0001", **credentials}
    )
    return created, f"/integrations/{created['id']}/"


def test_a_good_site_passes_and_the_verdict_is_recorded_everywhere(
    api: Api,
    site: WordPressSite,
) -> None:
    _, path = wordpress(api, site, username="admin", app_password=APP_PASSWORD)
    tested = api.post(f"{path}test-connection/")
    assert tested.status_code == 200, tested.text
    body = tested.json()
    assert body["success"] is True
    assert "admin" in body["message"]
    assert body["details"]["code"] == "ok"
    assert body["duration_ms"] >= 0 and body["tested_at"].endswith("Z")

    log = api.get(f"{path}sync-events/?event_type=connection_test").json()["results"]
    assert [(e["action"], e["success"], e["duration_ms"]) for e in log] == [
        ("test", True, body["duration_ms"])
    ]
    history = api.get(f"{path}history/").json()["results"]
    assert history[-1]["type"] == "integration.connection_tested"
    assert history[-1]["data"]["success"] is True
    debug = api.get(f"{path}debug-status/").json()
    assert debug["recent_events"][0]["event_type"] == "connection_test"
    assert (debug["counters"]["connection_tests_24h"], debug["health"]) == (1, "healthy")
    for text in (tested.text, str(log), str(history), str(debug)):
        assert APP_PASSWORD not in text and "plugin-key-0001" not in text


def test_a_wrong_application_password_fails_with_its_own_message(
    api: Api,
    site: WordPressSite,
) -> None:
    _, path = wordpress(api, site, username="admin", app_password="wrong wrong wrong")
    body = api.post(f"{path}test-connection/").json()
    assert body["success"] is False
    assert body["details"]["code"] == "unauthorized"
    log = api.get(f"{path}sync-events/?success=false").json()["results"]
    assert log[0]["error_message"] == body["message"]
    assert "wrong wrong wrong" not in str(log) + str(body)


def test_a_site_that_is_not_wordpress_fails_clearly(api: Api, site: WordPressSite) -> None:
    site.mode = "not_wordpress"
    _, path = wordpress(api, site)
    body = api.post(f"{path}test-connection/").json()
    assert (body["success"], body["details"]["code"]) == (False, "not_wordpress")


def test_custom_integrations_cannot_be_tested(api: Api) -> None:
    owner_site = api.create_site()
    created = api.create_integration(owner_site["id"], "custom")
    before = count_events(api.services)
    response = api.post(f"/integrations/{created['id']}/test-connection/")
    assert response.status_code == 501
    assert response.json()["type"] == "/problems/not-supported"
    assert count_events(api.services) == before


def test_shopify_shop_is_checked_with_the_access_token(api: Api) -> None:
    seen = fake_shopify(api.services, {"name": "Demo", "domain": "demo.example", "currency": "EUR"})
    owner_site = api.create_site()
    created = api.create_integration(owner_site["id"], "shopify")
    body = api.post(f"/integrations/{created['id']}/test-connection/").json()
    assert body["success"] is True and body["details"]["code"] == "ok"
    assert seen[0].url.path == f"/admin/api/{created['config_json']['api_version']}/shop.json"
    assert seen[0].headers["x-shopify-access-token"] == "shpat_0123456789"


def test_other_accounts_and_viewers_cannot_test(
    api: Api, other_api: Api, site: WordPressSite
) -> None:
    _, path = wordpress(api, site)
    assert other_api.post(f"{path}test-connection/").status_code == 404
    viewer = Api(api.client, api.services, account_id=api.account_id, role="viewer")
    assert viewer.post(f"{path}test-connection/").status_code == 403


# -- onboarding (the plugin's collection-level test) ------------------------------------


def onboard(api: Api, body: dict[str, Any], **headers: str) -> Any:
    return api.client.post(
        "/api/v1/integration/integrations/test-connection/", json=body, headers=headers
    )


def test_onboarding_creates_the_integration_after_a_successful_test(
    api: Api,
    site: WordPressSite,
) -> None:
    owner_site = api.create_site(url="https://elsewhere.example")
    response = onboard(
        api,
        {"site_id": owner_site["id"], "api_key": owner_site["api_key"], "site_url": site.base_url},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["integration_id"]
    created = api.get(f"/integrations/{body['integration_id']}/").json()
    assert created["config_json"]["site_url"] == site.base_url
    assert created["api_key"] == "********" + owner_site["api_key"][-4:]
    history = api.get(f"/integrations/{body['integration_id']}/history/?type=integration.").json()[
        "results"
    ]
    assert [e["type"] for e in history] == ["integration.created", "integration.connection_tested"]
    assert {e["actor"] for e in history} == {f"site:{owner_site['id']}"}

    again = onboard(
        api,
        {"site_id": owner_site["id"], "api_key": owner_site["api_key"], "site_url": site.base_url},
    ).json()
    assert again["integration_id"] == body["integration_id"]
    assert (
        api.get(f"/integrations/{body['integration_id']}/").json()["config_json"]
        == created["config_json"]
    )


def test_onboarding_with_a_wrong_key_is_forbidden_and_creates_nothing(
    api: Api,
    site: WordPressSite,
) -> None:
    owner_site = api.create_site()
    before = count_events(api.services)
    response = onboard(
        api, {"site_id": owner_site["id"], "api_key": "wpk_wrong", "site_url": site.base_url}
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert count_events(api.services) == before
    assert api.get("/integrations/").json()["results"] == []
    assert site.requests == []


def test_onboarding_an_unknown_site_is_404(api: Api, site: WordPressSite) -> None:
    response = onboard(
        api,
        {
            "site_id": "00000000-0000-4000-8000-000000000000",
            "api_key": "x",
            "site_url": site.base_url,
        },
    )
    assert response.status_code == 404


@pytest.mark.parametrize("mode", ["not_wordpress", "rest_disabled", "stopped"])
def test_failed_onboarding_leaves_no_integration_and_no_events(
    api: Api,
    site: WordPressSite,
    mode: str,
) -> None:
    owner_site = api.create_site()
    if mode == "stopped":
        site.stop()
    else:
        site.mode = mode
    before = count_events(api.services)
    body = onboard(
        api,
        {"site_id": owner_site["id"], "api_key": owner_site["api_key"], "site_url": site.base_url},
    ).json()
    assert body["success"] is False and body["integration_id"] is None
    assert body["message"] and body["details"]["code"] != "ok"
    assert count_events(api.services) == before
    assert api.get("/integrations/").json()["results"] == []
    assert api.get(f"/integrations/?site_id={owner_site['id']}").json()["results"] == []


def test_an_editor_of_the_account_may_onboard_without_the_key(
    api: Api,
    other_api: Api,
    site: WordPressSite,
) -> None:
    owner_site = api.create_site()
    body = {"site_id": owner_site["id"], "api_key": "plugin-chosen-key", "site_url": site.base_url}
    editor = Api(api.client, api.services, account_id=api.account_id, role="editor")
    viewer = Api(api.client, api.services, account_id=api.account_id, role="viewer")
    assert onboard(api, body, Authorization=f"Bearer {viewer.token}").status_code == 403
    assert onboard(api, body, Authorization=f"Bearer {other_api.token}").status_code == 403
    made = onboard(api, body, Authorization=f"Bearer {editor.token}").json()
    assert made["success"] is True
    history = api.get(f"/integrations/{made['integration_id']}/history/").json()["results"]
    assert history[0]["actor"] == f"user:user-editor-{api.account_id}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"api_key": "k", "site_url": "https://x.io"}, "site_id"),
        (
            {"site_id": "00000000-0000-4000-8000-000000000000", "site_url": "https://x.io"},
            "api_key",
        ),
        (
            {
                "site_id": "00000000-0000-4000-8000-000000000000",
                "api_key": "k",
                "site_url": "https://x.io",
                "extra": 1,
            },
            "extra",
        ),
    ],
)
def test_onboarding_bodies_are_validated(api: Api, body: dict[str, Any], field: str) -> None:
    response = onboard(api, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_onboarding_refuses_private_targets_when_not_allowed(api: Api) -> None:
    api.services.outbound = dataclasses.replace(api.services.outbound, allow_private_network=False)
    accepted: list[object] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)

        def record() -> None:
            with contextlib.suppress(OSError):
                accepted.append(listener.accept())

        watcher = threading.Thread(target=record)
        watcher.start()
        owner_site = api.create_site()
        port = listener.getsockname()[1]
        body = onboard(
            api,
            {
                "site_id": owner_site["id"],
                "api_key": owner_site["api_key"],
                "site_url": f"http://127.0.0.1:{port}",
            },
        ).json()
        watcher.join()
    assert (body["success"], body["details"]["code"]) == (False, "blocked_address")
    assert accepted == []


def test_onboarding_is_throttled_per_site(api: Api, site: WordPressSite) -> None:
    from app.http.throttle import Throttle

    api.client.app.state.throttle = Throttle("2/minute")
    owner_site = api.create_site()
    body = {"site_id": owner_site["id"], "api_key": "wpk_wrong", "site_url": site.base_url}
    statuses = [onboard(api, body).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
