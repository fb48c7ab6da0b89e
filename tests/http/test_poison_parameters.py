"""Query parameters, path ids, cursors, bodies sent to body-less routes and unknown methods:
a 400 (404 for ids, 405 with `Allow` for methods) problem+json, never a 500, nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, count_events

FORGED_CURSORS = ["W3siYSI6IDF9LCBbMl1d", "WyJ4Il0", "WzE4NDQ2NzQ0MDczNzA5NTUxNjE2XQ", "!!!"]
"""`[{"a": 1}, [2]]`, `["x"]`, `[18446744073709551616]`, not base64."""


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    site = api.create_site(url="http://127.0.0.1:9/")
    return {"site": site["id"], "integration": api.create_integration(site["id"])["id"]}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "query",
    [
        "/integrations/?site_id=%00",
        "/integrations/?is_active=1",
        "/integrations/?limit=201",
        "/integrations/?limit=1.5",
        "/integrations/?sync_status=%00",
        "/integrations/{integration}/sync-events/?until=0.5",
        "/integrations/{integration}/sync-events/?since=2026-13-45T00:00:00Z",
        "/integrations/{integration}/sync-events/?success=yes",
        "/integrations/{integration}/sync-events/?event_type=%00",
        "/integrations/{integration}/?version=9223372036854775808",
        "/integrations/{integration}/?as_of=1700000000",
        "/integrations/{integration}/content/?post_type=a%01b",
        "/events/?after=9223372036854775808",
        "/events/?after=-1",
        "/events/?after=1e3",
        "/sites/?limit=0",
    ],
)
def test_bad_query_parameters_are_400(api: Api, ids: dict[str, str], query: str) -> None:
    problem = _problem(api.get(query.format(**ids)), 400)
    assert problem["type"] == "/problems/validation-error" and problem["errors"]


@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "abc", "1e400"])
def test_bad_wait_is_400_and_starts_no_sync(api: Api, ids: dict[str, str], wait: str) -> None:
    before = count_events(api.services)
    response = api.post(
        f"/integrations/{ids['integration']}/sync/?wait={wait}", json={"direction": "metadata"}
    )
    assert _problem(response, 400)["errors"][0]["field"] == "wait"
    assert count_events(api.services) == before


@pytest.mark.parametrize(
    "path",
    [
        "/integrations/",
        "/sites/",
        "/integrations/{integration}/sync-events/",
        "/integrations/{integration}/content/",
        "/integrations/{integration}/history/",
    ],
)
@pytest.mark.parametrize("cursor", FORGED_CURSORS)
def test_forged_cursors_are_400_on_every_paginated_route(
    api: Api,
    ids: dict[str, str],
    path: str,
    cursor: str,
) -> None:
    problem = _problem(api.get(path.format(**ids), params={"cursor": cursor}), 400)
    assert [e["field"] for e in problem["errors"]] == ["cursor"]


@pytest.mark.parametrize(
    "path",
    [
        "/integrations/%00/",
        "/integrations/not-a-uuid/history/",
        "/sites/%00/",
        "/integrations/{integration}/syncs/%00/",
        "/sites/%00/rotate-api-key/",
    ],
)
def test_malformed_path_ids_are_404(api: Api, ids: dict[str, str], path: str) -> None:
    method = "POST" if path.endswith("rotate-api-key/") else "GET"
    assert _problem(api.request(method, path.format(**ids)), 404)["type"] == "/problems/not-found"


@pytest.mark.parametrize(
    "path", ["/sites/{site}/rotate-api-key/", "/integrations/{integration}/test-connection/"]
)
def test_body_less_routes_refuse_a_body_and_change_nothing(
    api: Api,
    ids: dict[str, str],
    path: str,
) -> None:
    before = count_events(api.services)
    for body, media in (
        (b"x" * 65_000, "application/json"),
        (b"{}", "application/json"),
        (b"name=x", "text/plain"),
    ):
        response = api.post(path.format(**ids), content=body, headers={"Content-Type": media})
        assert response.status_code in (400, 415), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert count_events(api.services) == before


def test_trace_is_405_with_allow_and_options_lists_every_method(
    api: Api,
    ids: dict[str, str],
) -> None:
    traced = api.request("TRACE", f"/integrations/{ids['integration']}/")
    assert _problem(traced, 405)["type"] == "/problems/method-not-allowed"
    assert {"GET", "PATCH", "DELETE"} <= set(traced.headers["allow"].replace(" ", "").split(","))
    for path, methods in (
        (f"/integrations/{ids['integration']}/", "DELETE, GET, OPTIONS, PATCH"),
        ("/integrations/", "GET, OPTIONS, POST"),
        (f"/sites/{ids['site']}/rotate-api-key/", "OPTIONS, POST"),
    ):
        options = api.request("OPTIONS", path)
        assert options.status_code == 204 and options.headers["allow"] == methods


def test_every_route_documents_the_statuses_it_answers(api: Api) -> None:
    spec = api.client.get("/schema/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            if path.startswith("/api/") and method in ("post", "patch"):
                assert {"400", "413", "415"} <= documented, (method, path)
            if "{" in path and path.startswith("/api/"):
                assert "404" in documented, (method, path)
