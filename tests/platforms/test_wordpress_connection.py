"""WordPress connection tests against recorded 6.1 answers: each failure says what to fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.platforms.base import ConnectionResult
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.wordpress import WordPressClient
from tests.platforms.conftest import fixture_bytes
from tests.wordpress_site import APP_PASSWORD, WordPressSite

SITE = "https://blog.example"
GOOD = {"username": "admin", "app_password": APP_PASSWORD}
Outbound = Callable[..., OutboundHTTP]


def connect(
    outbound: Outbound, transport: Any, site_url: str = SITE, **creds: str
) -> ConnectionResult:
    http = OutboundClient(outbound(transport))
    return WordPressClient(site_url=site_url, http=http, **creds).test_connection()


def site(**options: Any) -> WordPressSite:
    return WordPressSite(base_url=options.pop("base_url", SITE), **options)


def answering(status: int, body: bytes, content_type: str = "application/json") -> Any:
    """Every request gets the same answer."""
    return lambda request: httpx.Response(
        status, content=body, headers={"Content-Type": content_type}
    )


def failing(error: type[httpx.HTTPError]) -> Any:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return fail


def redirect_to(location: str) -> Any:
    return lambda request: httpx.Response(301, headers={"Location": location})


NO_WP_V2 = b'{"name": "Headless", "namespaces": ["oembed/1.0"], "routes": {}}'
NO_ROUTE = b'{"code": "rest_no_route", "message": "No route was found", "data": {"status": 404}}'

FAILURES: dict[str, tuple[Callable[[Outbound], ConnectionResult], str, str]] = {
    "not_wordpress": (
        lambda o: connect(o, site(mode="not_wordpress").mock_transport()),
        "not_wordpress",
        "does not look like a WordPress site",
    ),
    "rest_no_route": (
        lambda o: connect(o, answering(404, NO_ROUTE)),
        "rest_disabled",
        "REST API of blog.example is disabled or restricted (HTTP 404, rest_no_route)",
    ),
    "rest_disabled": (
        lambda o: connect(o, site(mode="rest_disabled").mock_transport()),
        "rest_disabled",
        "(HTTP 404, rest_disabled)",
    ),
    "no_wp_v2": (
        lambda o: connect(o, answering(200, NO_WP_V2)),
        "rest_disabled",
        "without its core wp/v2 routes",
    ),
    "wrong_password": (
        lambda o: connect(o, site().mock_transport(), username="admin", app_password="wrong pw"),
        "unauthorized",
        "did not accept the username and application password",
    ),
    "forbidden": (
        lambda o: connect(o, _users_me(403, b'{"code": "rest_forbidden"}'), **GOOD),
        "forbidden",
        "not allowed to use the REST API (HTTP 403, rest_forbidden)",
    ),
    "https_required": (
        lambda o: connect(
            o,
            site(base_url="http://blog.example", application_passwords=False).mock_transport(),
            site_url="http://blog.example",
            **GOOD,
        ),
        "https_required",
        "only accepts application passwords over HTTPS",
    ),
    "timeout": (
        lambda o: connect(o, failing(httpx.ReadTimeout)),
        "timeout",
        "did not answer within",
    ),
    "unreachable": (
        lambda o: connect(o, failing(httpx.ConnectError)),
        "unreachable",
        "connection was refused",
    ),
    "dns_failure": (
        lambda o: connect(o, site().mock_transport(), site_url="https://nowhere.example"),
        "dns_failure",
        "nowhere.example could not be resolved",
    ),
    "redirect_to_loopback": (
        lambda o: connect(o, redirect_to("http://127.0.0.1/wp-json/")),
        "blocked_address",
        "private or reserved address (127.0.0.1)",
    ),
    "server_error": (
        lambda o: connect(o, answering(500, b"<h1>Fatal error</h1>", "text/html")),
        "bad_response",
        "answered HTTP 500",
    ),
}


def _users_me(status: int, body: bytes) -> httpx.MockTransport:
    wordpress = site().mock_transport()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users/me"):
            return httpx.Response(status, content=body)
        return wordpress.handle_request(request)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("scenario", FAILURES)
def test_failures_have_their_own_code_and_explanation(outbound: Outbound, scenario: str) -> None:
    run, code, phrase = FAILURES[scenario]
    result = run(outbound)
    assert (result.success, result.code) == (False, code)
    assert phrase in result.message


def test_no_two_failures_read_the_same(outbound: Outbound) -> None:
    messages = [run(outbound).message for run, _, _ in FAILURES.values()]
    assert len(set(messages)) == len(messages)


def test_good_site_with_application_password_reports_the_user(outbound: Outbound) -> None:
    result = connect(outbound, site().mock_transport(), **GOOD)
    assert (result.success, result.code) == (True, "ok")
    assert result.message == (
        "Connected to WP REST Fixture (WordPress REST API, authenticated as admin)."
    )
    assert result.details["user"] == {"id": 1, "name": "admin", "slug": "admin"}
    assert result.details["permalinks"] == "pretty"
    assert "wp/v2" in result.details["namespaces"]
    assert APP_PASSWORD not in repr(result)


def test_good_site_without_application_password_checks_only_discovery(outbound: Outbound) -> None:
    wordpress = site()
    result = connect(outbound, wordpress.mock_transport())
    assert result.success and result.details["authenticated"] is False
    assert "public content only" in result.message
    assert wordpress.routes() == ["/"]


def test_plain_permalinks_fall_back_to_rest_route(outbound: Outbound) -> None:
    wordpress = site(mode="plain")
    result = connect(outbound, wordpress.mock_transport(), **GOOD)
    assert result.success and result.details["permalinks"] == "plain"
    first, *later = wordpress.requests
    assert (first.path, first.route) == ("/wp-json/", None)
    assert {(r.path, r.route) for r in later} == {("/", "/"), ("/", "/wp/v2/users/me")}


def test_https_required_is_decided_before_sending_the_password(outbound: Outbound) -> None:
    wordpress = site(base_url="http://blog.example", application_passwords=False)
    connect(outbound, wordpress.mock_transport(), site_url="http://blog.example", **GOOD)
    assert not any(r.authenticated or r.route == "/wp/v2/users/me" for r in wordpress.requests)


def test_local_http_sites_may_use_application_passwords(outbound: Outbound) -> None:
    wordpress = site(base_url="http://localhost:8081")
    config = outbound(wordpress.mock_transport(), allow_private_network=True)
    client = WordPressClient(site_url="http://localhost:8081", http=OutboundClient(config), **GOOD)
    assert client.test_connection().success


def test_recorded_401_for_wrong_password_is_the_real_wordpress_body(outbound: Outbound) -> None:
    body = fixture_bytes("users-me-wrongpw.json")
    result = connect(outbound, _users_me(401, body), **GOOD)
    assert result.code == "unauthorized"
    assert result.details["wp_code"] == "rest_not_logged_in"
