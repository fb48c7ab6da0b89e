"""Authentication, roles and account scoping: other accounts' objects do not exist."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.conftest import JWT_SECRET, Api

INTEGRATION_ROUTES = [
    ("GET", "/integrations/{id}/"),
    ("PATCH", "/integrations/{id}/"),
    ("DELETE", "/integrations/{id}/"),
    ("GET", "/integrations/{id}/history/"),
    ("GET", "/integrations/{id}/sync-events/"),
    ("GET", "/integrations/{id}/content-types/"),
    ("GET", "/integrations/{id}/?version=1"),
]
SITE_ROUTES = [("GET", "/sites/{id}/"), ("POST", "/sites/{id}/rotate-api-key/")]


@pytest.mark.parametrize(("method", "path"), INTEGRATION_ROUTES)
def test_other_accounts_integrations_answer_404(
    api: Api, other_api: Api, method: str, path: str
) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    kwargs = {"json": {"is_active": False}} if method == "PATCH" else {}
    response = other_api.request(method, path.format(id=created["id"]), **kwargs)
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "/problems/not-found"
    assert api.get(f"/integrations/{created['id']}/").json() == created


@pytest.mark.parametrize(("method", "path"), SITE_ROUTES)
def test_other_accounts_sites_answer_404(api: Api, other_api: Api, method: str, path: str) -> None:
    site = api.create_site()
    assert other_api.request(method, path.format(id=site["id"])).status_code == 404


def test_other_accounts_site_cannot_take_an_integration(api: Api, other_api: Api) -> None:
    site = api.create_site()
    response = other_api.post("/integrations/", json={"site_id": site["id"], "platform": "custom"})
    assert response.status_code == 404


def test_lists_and_filters_never_widen_the_scope(api: Api, other_api: Api) -> None:
    site = api.create_site()
    api.create_integration(site["id"])
    assert other_api.get("/integrations/").json()["results"] == []
    assert other_api.get(f"/integrations/?site_id={site['id']}").json()["results"] == []
    assert other_api.get("/sites/").json()["results"] == []
    assert other_api.get("/events/").json()["events"] == []


def test_viewer_is_forbidden_everywhere(api: Api) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    viewer = Api(api.client, api.services, account_id=api.account_id, role="viewer")
    for method, path in [*INTEGRATION_ROUTES, ("GET", "/integrations/")]:
        response = viewer.request(method, path.format(id=created["id"]))
        assert response.status_code == 403, (method, path)
        assert response.json()["type"] == "/problems/forbidden"


def test_editor_manages_integrations_but_not_sites_or_the_feed(api: Api) -> None:
    site = api.create_site()
    editor = Api(api.client, api.services, account_id=api.account_id, role="editor")
    assert editor.create_integration(site["id"])["site_id"] == site["id"]
    assert editor.get("/sites/").status_code == 403
    assert editor.post("/sites/", json={"name": "x", "url": "https://x.y"}).status_code == 403
    assert editor.get("/events/").status_code == 403


def test_inactive_user_is_forbidden(api: Api) -> None:
    inactive = Api(api.client, api.services, account_id=api.account_id, is_active=False)
    response = inactive.get("/integrations/")
    assert response.status_code == 403
    assert "inactive" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic abc",
        "Bearer not.a.jwt",
        "Bearer "
        + jwt.encode(
            {"sub": "u", "account_id": "a", "role": "owner", "exp": int(time.time()) + 60},
            "wrong-secret-" + "y" * 30,
        ),
        "Bearer "
        + jwt.encode(
            {"sub": "u", "account_id": "a", "role": "owner", "exp": int(time.time()) - 10},
            JWT_SECRET,
        ),
        "Bearer "
        + jwt.encode(
            {"sub": "u", "account_id": "a", "role": "emperor", "exp": int(time.time()) + 60},
            JWT_SECRET,
        ),
        "Bearer " + jwt.encode({"sub": "u", "account_id": "a", "role": "owner"}, JWT_SECRET),
    ],
)
def test_missing_bad_or_expired_tokens_are_401(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.client.get("/api/v1/integration/integrations/", headers=headers)
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthenticated"


def test_rotating_a_site_key_returns_a_new_key_once(api: Api) -> None:
    site = api.create_site()
    rotated = api.post(f"/sites/{site['id']}/rotate-api-key/")
    assert rotated.status_code == 200
    assert rotated.json()["api_key"] not in (site["api_key"], None)
    assert "api_key" not in api.get(f"/sites/{site['id']}/").json()
