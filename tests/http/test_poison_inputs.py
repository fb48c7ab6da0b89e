"""Nothing a client sends can store what a read model cannot hold, or answer a 500: every
poison input is a 400 (404 for ids) problem+json, and the store holds no new event."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Api, count_events

NUL = "bad\x00value"
HUGE = 1180591620717411303424
LOOPBACK = "http://127.0.0.1:9/"
ID = "{integration}"
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "create_site": ("/sites/", {"name": "Blog", "url": "https://blog.example.com"}),
    "create_integration": (
        "/integrations/",
        {
            "site_id": "{site}",
            "platform": "custom",
            "platform_type": "custom",
            "config_json": {"region": "eu", "nested": {"list": ["x"]}},
            "credentials_json": {"token_name": "v"},
        },
    ),
    "update_integration": (
        f"/integrations/{ID}/",
        {
            "config_json": {"region": "eu"},
            "credentials_json": {"username": "u", "app_password": "p"},
        },
    ),
    "onboarding": (
        "/integrations/test-connection/",
        {"site_id": "{site}", "api_key": "{key}", "site_url": "http://127.0.0.1:9/"},
    ),
    "sync": (
        f"/integrations/{ID}/sync/",
        {
            "direction": "to_external",
            "content_types": ["post"],
            "items": [
                {
                    "content_id": "c1",
                    "title": "T",
                    "content": "<p>x</p>",
                    "status": "draft",
                    "post_type": "post",
                    "external_id": 5,
                }
            ],
        },
    ),
    "structure": (
        f"/integrations/{ID}/update-structure/",
        {
            "post_types": {"post": {"name": "Posts"}},
            "taxonomies": {"category": {"name": "C"}},
            "timestamp": "2026-01-01T00:00:00Z",
        },
    ),
    "pull": (
        f"/integrations/{ID}/sync-wordpress-content/",
        {"content_id": "c1", "external_id": 7, "post_type": "post"},
    ),
    "webhook_status": (
        "/webhooks/wordpress/status/",
        {
            "post_id": 1,
            "status": "publish",
            "content_id": "c1",
            "post_type": "post",
            "url": "https://blog.example.com/?p=1",
            "title": "Hello",
            "modified_gmt": "2026-01-01 00:00:00",
        },
    ),
    "webhook_metadata": (
        "/webhooks/wordpress/metadata/",
        {"post_id": 1, "content_id": "c1", "metadata": {"seo": {"title": "x"}}},
    ),
}


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every string value and every object key of a body, as paths (a key ends in `KEY`)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, ("KEY", key))
            yield from _string_paths(child, (*path, key))
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from _string_paths(child, (*path, n))
    elif isinstance(value, str):
        yield path


def _poisoned(body: dict[str, Any], path: tuple[Any, ...], poison: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    last = path[-1]
    if isinstance(last, tuple):  # a key: rename it
        target[f"{last[1]}\x00"] = target.pop(last[1])
    else:
        target[last] = poison
    return copied


NUL_CASES = [(route, path) for route, (_, body) in ROUTES.items() for path in _string_paths(body)]
HUGE_CASES = [
    ("pull", ("external_id",)),
    ("webhook_status", ("post_id",)),
    ("sync", ("items", 0, "external_id")),
    ("create_integration", ("config_json", "n")),
    ("webhook_metadata", ("metadata", "seo", "n")),
    ("update_integration", ("config_json", "region")),
]


class Poisoner:
    """A site, its WordPress integration and its key; sends bodies and checks the verdict."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.site = api.create_site(url=LOOPBACK)  # outbound calls are refused, never sent
        self.integration = api.create_integration(self.site["id"])
        self.names = {
            "site": self.site["id"],
            "integration": self.integration["id"],
            "key": self.site["api_key"],
        }

    def body(self, route: str) -> tuple[str, dict[str, Any]]:
        path, body = ROUTES[route]
        filled = _fill(body, self.names)
        return path.format(**self.names), filled

    def send(self, route: str, method: str = "", **kwargs: Any) -> Any:
        path = ROUTES[route][0].format(**self.names) if route in ROUTES else route
        method = method or ("PATCH" if route == "update_integration" else "POST")
        headers = {"X-Api-Key": self.site["api_key"]} if route.startswith("webhook") else {}
        headers |= kwargs.pop("headers", {})
        return self.api.request(method, path, headers=headers, **kwargs)

    def refused(self, response: Any, status: int = 400) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem: dict[str, Any] = response.json()
        assert problem["status"] == status and problem["detail"]
        return problem


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


@pytest.fixture
def poisoner(api: Api) -> Poisoner:
    return Poisoner(api)


def test_the_unpoisoned_bodies_are_accepted(poisoner: Poisoner) -> None:
    """The baseline: each route takes its body as given (so each poison below is the cause)."""
    for route in (
        "create_site",
        "update_integration",
        "structure",
        "webhook_status",
        "webhook_metadata",
    ):
        _, body = poisoner.body(route)
        assert poisoner.send(route, json=body).status_code == 200 + (route == "create_site"), route


@pytest.mark.parametrize(("route", "path"), NUL_CASES, ids=lambda v: repr(v))
def test_nul_in_any_string_or_key_is_refused(
    poisoner: Poisoner, route: str, path: tuple[Any, ...]
) -> None:
    _, body = poisoner.body(route)
    before = count_events(poisoner.api.services)
    poisoner.refused(poisoner.send(route, json=_poisoned(body, path, NUL)))
    assert count_events(poisoner.api.services) == before


@pytest.mark.parametrize(("route", "path"), HUGE_CASES)
def test_integers_beyond_bigint_are_refused(
    poisoner: Poisoner, route: str, path: tuple[Any, ...]
) -> None:
    _, body = poisoner.body(route)
    before = count_events(poisoner.api.services)
    poisoner.refused(poisoner.send(route, json=_poisoned(body, path, HUGE)))
    assert count_events(poisoner.api.services) == before


@pytest.mark.parametrize("route", list(ROUTES))
def test_deep_nesting_bad_utf8_nan_and_duplicate_keys_are_refused(
    poisoner: Poisoner, route: str
) -> None:
    json_type = {"Content-Type": "application/json"}
    _, body = poisoner.body(route)
    first = next(iter(body))
    duplicated = f'{{"{first}": 1, "{first}": 2}}'.encode()
    before = count_events(poisoner.api.services)
    for raw in (
        b"[" * 10_000 + b"]" * 10_000,
        b'{"name": "\xff\xfe"}',
        b'{"n": NaN}',
        b'{"n": 1e400}',
        duplicated,
        b'{"deep": ' + b'{"a": ' * 40 + b"1" + b"}" * 41,
    ):
        problem = poisoner.refused(poisoner.send(route, content=raw, headers=json_type))
        assert problem["type"] == "/problems/validation-error"
    assert count_events(poisoner.api.services) == before


@pytest.mark.parametrize(
    ("route", "field", "value"),
    [
        ("update_integration", "sync_enabled", 0),
        ("update_integration", "is_active", "true"),
        ("create_integration", "is_active", 1),
        ("structure", "plugin_connection_enabled", 0),
        ("pull", "external_id", 7.5),
        ("pull", "external_id", "7"),
    ],
)
def test_booleans_and_numbers_are_strict(
    poisoner: Poisoner, route: str, field: str, value: Any
) -> None:
    _, body = poisoner.body(route)
    before = count_events(poisoner.api.services)
    problem = poisoner.refused(poisoner.send(route, json={**body, field: value}))
    assert field in [e["field"] for e in problem["errors"]]
    assert count_events(poisoner.api.services) == before
