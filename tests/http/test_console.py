"""The console's sign-in, roles, scoping and CSRF checks, in-process (the browser test drives
the same pages through Chromium). Cookies are sent by hand: they are Secure, and the test
client speaks plain HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http.console.session import COOKIE
from tests.conftest import Api

CSRF_COOKIE = "integrations_console_csrf"


class Browser:
    """Just enough of a browser: a cookie jar that ignores `Secure`, and form tokens."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client, self.cookies = client, dict[str, str]()

    def _keep(self, response: Any) -> Any:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";")[0].strip('"')
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def get(self, path: str) -> Any:
        return self._keep(self.client.get(path, headers=self._headers(), follow_redirects=False))

    def post(self, path: str, form: dict[str, str], *, csrf: bool = True) -> Any:
        data = {**form, "_csrf_token": self.cookies.get(CSRF_COOKIE, "")} if csrf else form
        return self._keep(
            self.client.post(path, data=data, headers=self._headers(), follow_redirects=False)
        )

    def sign_in(self, token: str) -> Any:
        self.get("/console/login")
        return self.post("/console/login", {"token": token, "next": "/console/"})


@pytest.fixture
def browser(client: TestClient[Any]) -> Browser:
    return Browser(client)


def token(
    services: Services, account: str = "account-a", role: str = "editor", **claims: Any
) -> str:
    return services.tokens.issue(account_id=account, user_id=f"u-{role}", role=role, **claims)


def test_pages_need_sign_in_and_the_cookie_is_secure_httponly_strict(
    browser: Browser,
    services: Services,
) -> None:
    page = browser.get("/console/")
    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/console/login")
    signed_in = browser.sign_in(token(services))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console/"
    cookie = next(h for h in signed_in.headers.get_list("set-cookie") if h.startswith(COOKIE + "="))
    assert {"secure", "httponly", "samesite=strict", "path=/console"} <= {
        part.strip().lower() for part in cookie.split(";")
    }
    listed = browser.get("/console/")
    assert listed.status_code == 200 and "Integrations" in listed.text
    assert "default-src 'self'" in listed.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("claims", "status"),
    [({"role": "viewer"}, 403), ({"is_active": False}, 403), ({"ttl": -10}, 401)],
)
def test_sign_in_refuses_viewers_inactive_users_and_expired_tokens(
    browser: Browser,
    services: Services,
    claims: dict[str, Any],
    status: int,
) -> None:
    refused = browser.sign_in(token(services, **claims))
    assert refused.status_code == status
    assert COOKIE not in browser.cookies
    assert "Sign in" in refused.text


def test_a_cookie_is_verified_like_a_bearer_token_on_every_page(
    browser: Browser,
    services: Services,
) -> None:
    browser.cookies[COOKIE] = token(services, ttl=-10)
    expired = browser.get("/console/")
    assert expired.status_code in (302, 303) and COOKIE not in browser.cookies
    browser.cookies[COOKIE] = token(services, is_active=False)
    inactive = browser.get("/console/")
    assert inactive.status_code == 403 and "inactive" in inactive.text
    browser.cookies[COOKIE] = token(services) + "x"
    assert browser.get("/console/").status_code in (302, 303)


def test_another_accounts_integration_is_a_404_page(
    api: Api,
    browser: Browser,
    services: Services,
) -> None:
    integration = api.create_integration(api.create_site()["id"])
    browser.sign_in(token(services, account="account-b"))
    page = browser.get(f"/console/integrations/{integration['id']}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and integration["id"] not in page.text.split("<main>")[0]
    assert browser.get("/console/integrations/not-a-uuid").status_code == 404


def test_forms_without_the_csrf_token_are_refused(
    api: Api,
    browser: Browser,
    services: Services,
) -> None:
    integration = api.create_integration(api.create_site()["id"])
    browser.sign_in(token(services))
    path = f"/console/integrations/{integration['id']}/sync"
    forged = browser.post(path, {"direction": "metadata"}, csrf=False)
    assert forged.status_code == 403 and "expired" in forged.text
    assert api.get(f"/integrations/{integration['id']}/sync-status/").json()["current_run"] is None
    started = browser.post(path, {"direction": "metadata"})
    assert started.status_code == 303
    runs = browser.get(f"/console/integrations/{integration['id']}/sync-runs")
    assert runs.status_code == 200 and re.search(
        r"run-status (pending|running|success|failed)", runs.text
    )


def test_projections_page_is_for_admins(browser: Browser, services: Services) -> None:
    browser.sign_in(token(services))
    assert browser.get("/console/projections/").status_code == 403
    browser.sign_in(token(services, role="admin"))
    page = browser.get("/console/projections/")
    assert page.status_code == 200
    assert all(name in page.text for name in (m.name for m in services.read_side.models))


def test_sign_out_forgets_the_cookie(browser: Browser, services: Services) -> None:
    browser.sign_in(token(services))
    out = browser.post("/console/logout", {})
    assert out.status_code == 303 and COOKIE not in browser.cookies
    assert browser.get("/console/").status_code in (302, 303)


def test_next_never_leaves_the_console(browser: Browser, services: Services) -> None:
    browser.get("/console/login")
    away = browser.post(
        "/console/login", {"token": token(services), "next": "https://evil.example.com/"}
    )
    assert away.headers["location"] == "/console/"
