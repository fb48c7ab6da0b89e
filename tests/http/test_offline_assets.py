"""Every asset the console and `/schema` reference is served by the service itself (no CDN),
and the vendored files are the pinned ones."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from app.http.schema_ui import STATIC_DIR
from tests.conftest import Api
from tests.http.test_console import Browser, token

ASSET_ATTRIBUTES = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("form", "action"),
    ("a", "href"),
}


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: set[str] = set()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (tag, name) in ASSET_ATTRIBUTES:
                (self.links if tag in ("a", "form") else self.assets).add(value)
            if value and name.startswith("hx-") and name.endswith(("get", "post")):
                self.links.add(value)


@pytest.fixture
def browser(client: TestClient[Any]) -> Browser:
    return Browser(client)


def references(html: str) -> References:
    found = References()
    found.feed(html)
    return found


def assert_served_locally(client: TestClient[Any], html: str, headers: dict[str, str]) -> int:
    found = references(html)
    for url in found.assets | found.links:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"external reference {url}"
    for url in found.assets:
        assert client.get(url, headers=headers).status_code == 200, url
    return len(found.assets)


def test_schema_page_loads_only_its_own_assets(client: TestClient[Any]) -> None:
    page = client.get("/schema")
    assert page.status_code == 200
    assert assert_served_locally(client, page.text, {}) >= 4  # css, 2 scripts, icon
    assert "cdn." not in page.text and "@latest" not in page.text


def test_console_pages_load_only_their_own_assets(api: Api, browser: Browser) -> None:
    integration = api.create_integration(api.create_site()["id"])
    login = browser.get("/console/login")
    assert assert_served_locally(browser.client, login.text, {}) >= 3
    browser.sign_in(token(api.services, role="admin"))
    for path in (
        "/console/",
        f"/console/integrations/{integration['id']}",
        f"/console/integrations/{integration['id']}/sync-runs",
        "/console/projections/",
        f"/console/integrations/{'0' * 8}-0000-0000-0000-{'0' * 12}",
    ):
        page = browser.get(path)
        assert page.status_code in (200, 404), path
        assert_served_locally(browser.client, page.text, browser._headers())


def test_vendored_files_are_the_pinned_ones() -> None:
    manifest = json.loads((STATIC_DIR / "vendored.json").read_text())
    assert manifest["packages"] == {"swagger-ui-dist": "5.35.0", "htmx.org": "2.0.11"}
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name


def test_security_schemes_are_declared_and_applied(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["BearerToken"]["description"],
    }
    assert schemes["SiteApiKey"]["type"] == "apiKey"
    assert (schemes["SiteApiKey"]["in"], schemes["SiteApiKey"]["name"]) == ("header", "X-Api-Key")
    paths = schema["paths"]
    base = "/api/v1/integration"
    assert paths[f"{base}/integrations"]["get"]["security"] == [{"BearerToken": []}]
    assert paths[f"{base}/webhooks/wordpress/status"]["post"]["security"] == [{"SiteApiKey": []}]
    assert {"SiteApiKey": []} in paths[f"{base}/integrations/{{integration_id}}/update-structure"][
        "post"
    ]["security"]
    assert {} in paths[f"{base}/integrations/test-connection"]["post"]["security"]
    assert "security" not in paths["/health/live"]["get"]
