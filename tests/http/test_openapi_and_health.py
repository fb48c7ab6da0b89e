"""OpenAPI documents every route with an operation id and its problem responses; health
endpoints need no authentication."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import Api


def test_every_route_has_an_operation_id_and_documents_errors(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    operations = [
        (path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
    ]
    assert len(operations) > 15
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, op in operations:
        if path.startswith("/api/"):
            assert "401" in op["responses"] and "403" in op["responses"], (path, method)
            assert op["responses"]["401"]["content"].keys() == {"application/problem+json"}


def test_browsable_schema_is_served(client: TestClient[Any]) -> None:
    page = client.get("/schema")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


def test_health_needs_no_auth_and_reports_lag(api: Api) -> None:
    api.create_site()
    assert api.client.get("/health/live").json() == {"status": "ok"}
    ready = api.client.get("/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["projection_lag"] == 0
    assert body["head_position"] == body["projection_position"] >= 1


def test_request_ids_are_echoed_or_made(api: Api) -> None:
    given = api.get("/integrations/", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = api.get("/integrations/", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32
