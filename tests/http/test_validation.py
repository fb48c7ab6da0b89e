"""Bad input gets a clear problem+json naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, count_events

SITE_ID = "site"  # replaced with a real site id in each test


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["instance"]
    return body


BAD_CREATES = [
    ({"platform": "wordpress"}, "credentials_json.api_key"),
    ({"platform": "wordpress", "credentials_json": {"api_key": ""}}, "credentials_json.api_key"),
    (
        {
            "platform": "wordpress",
            "credentials_json": {"api_key": "k" * 12},
            "config_json": {"site_url": "ftp://blog"},
        },
        "config_json.site_url",
    ),
    (
        {"platform": "wordpress", "credentials_json": {"api_key": "k" * 12, "username": "u"}},
        "credentials_json.app_password",
    ),
    (
        {
            "platform": "shopify",
            "config_json": {"shop_domain": "evil.com"},
            "credentials_json": {"access_token": "t"},
        },
        "config_json.shop_domain",
    ),
    (
        {"platform": "shopify", "config_json": {"shop_domain": "a.myshopify.com"}},
        "credentials_json.access_token",
    ),
    (
        {
            "platform": "shopify",
            "config_json": {"shop_domain": "a.myshopify.com", "api_version": "latest"},
            "credentials_json": {"access_token": "t"},
        },
        "config_json.api_version",
    ),
    (
        {
            "platform": "wordpress",
            "credentials_json": {"api_key": "k" * 12, "webhook_secret": "plain"},
        },
        "credentials_json.webhook_secret",
    ),
    ({"platform": "custom", "config_json": {"api_token": "s3cr3t"}}, "config_json.api_token"),
    ({"platform": "myspace"}, "platform"),
    ({"platform": "custom", "platform_type": "blog"}, "platform_type"),
    ({"platform": "custom", "colour": "red"}, "colour"),
    ({"platform": "custom", "is_active": "yes"}, "is_active"),
    ({"platform": "custom", "config_json": []}, "config_json"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATES)
def test_invalid_create_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    site = api.create_site()
    before = count_events(api.services)
    problem = _problem(
        api.post("/integrations/", json={"site_id": site["id"], **body}), 400, "validation-error"
    )
    assert field in [e["field"] for e in problem["errors"]], problem
    assert count_events(api.services) == before


def test_site_id_must_be_a_uuid_and_must_exist(api: Api) -> None:
    bad = api.post("/integrations/", json={"site_id": "nope", "platform": "custom"})
    assert _problem(bad, 400, "validation-error")["errors"][0]["field"] == "site_id"
    unknown = api.post(
        "/integrations/",
        json={"site_id": "00000000-0000-4000-8000-000000000000", "platform": "custom"},
    )
    _problem(unknown, 404, "not-found")


def test_missing_required_fields_are_named(api: Api) -> None:
    problem = _problem(
        api.post("/integrations/", json={"platform": "custom"}), 400, "validation-error"
    )
    assert problem["errors"] == [{"field": "site_id", "message": "is required"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unknown": 1}, "unknown"),
        ({"is_active": "no"}, "is_active"),
        ({"config_json": {"site_url": "not a url"}}, "config_json.site_url"),
        ({"credentials_json": {"api_key": None}}, "credentials_json.api_key"),
        ({"credentials_json": {"api_key": 12345}}, "credentials_json.api_key"),
    ],
)
def test_invalid_patch_is_refused_and_changes_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    site = api.create_site()
    created = api.create_integration(site["id"])
    before = count_events(api.services)
    problem = _problem(
        api.patch(f"/integrations/{created['id']}/", json=body), 400, "validation-error"
    )
    assert field in [e["field"] for e in problem["errors"]]
    assert count_events(api.services) == before
    assert api.get(f"/integrations/{created['id']}/").json() == created


def test_body_that_is_not_json_is_refused(api: Api) -> None:
    wrong_type = api.post("/sites/", content=b"name=x", headers={"Content-Type": "text/plain"})
    _problem(wrong_type, 415, "unsupported-media-type")
    malformed = api.post("/sites/", content=b"{nope", headers={"Content-Type": "application/json"})
    _problem(malformed, 400, "validation-error")
    not_object = api.post("/sites/", json=["a"])
    assert _problem(not_object, 400, "validation-error")["errors"][0]["field"] == "body"


def test_body_over_64_kib_is_refused(api: Api) -> None:
    site = api.create_site()
    before = count_events(api.services)
    body = {"site_id": site["id"], "platform": "custom", "config_json": {"x": "y" * 70_000}}
    _problem(api.post("/integrations/", json=body), 413, "payload-too-large")
    assert count_events(api.services) == before


def test_site_creation_validates_its_fields(api: Api) -> None:
    problem = _problem(
        api.post("/sites/", json={"name": "", "url": "mailto:x"}), 400, "validation-error"
    )
    assert problem["errors"][0]["field"] in ("name", "url")
    problem = _problem(
        api.post("/sites/", json={"name": "ok", "url": "mailto:x"}), 400, "validation-error"
    )
    assert problem["errors"] == [{"field": "url", "message": "must be an absolute http(s) URL"}]


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    _problem(api.get("/nothing-here"), 404, "not-found")
    _problem(api.request("PUT", "/integrations/"), 405, "method-not-allowed")


def test_problem_types_are_explained(api: Api) -> None:
    explained = api.client.get("/problems/duplicate-integration")
    assert explained.status_code == 200
    assert "one integration per platform" in explained.text
    assert api.client.get("/problems/nonsense").status_code == 404
