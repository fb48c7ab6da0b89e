"""Concurrent writers: the store, not a read-then-write check, decides who wins."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.bootstrap import Services
from app.http.app import create_app
from tests.asgi import asgi_client
from tests.conftest import count_events

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _client(services: Services) -> tuple[httpx.AsyncClient, Any]:
    app = create_app(services, manage_lifecycle=False)
    token = services.tokens.issue(account_id="acc", user_id="u", role="owner")
    client = asgi_client(
        app,
        "http://testserver.local/api/v1/integration",
        headers={"Authorization": f"Bearer {token}"},
    )
    return client, app


async def test_concurrent_creates_for_one_site_and_platform_make_one_integration(
    services: Services,
) -> None:
    services.start()
    client, _ = await _client(services)
    async with client:
        site = (await client.post("/sites/", json={"name": "s", "url": "https://s.io"})).json()
        body = {
            "site_id": site["id"],
            "platform": "wordpress",
            "credentials_json": {"api_key": "concurrent-key-1"},
        }
        responses = await asyncio.gather(
            *[client.post("/integrations/", json=body) for _ in range(20)]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code >= 500]
        assert {r.json()["type"] for r in responses if r.status_code == 409} == {
            "/problems/duplicate-integration"
        }
        listed = (await client.get("/integrations/")).json()["results"]
    assert len(listed) == 1
    assert count_events(services, "integration.created") == 1


async def test_concurrent_patches_lose_no_update(services: Services) -> None:
    services.start()
    client, _ = await _client(services)
    async with client:
        site = (await client.post("/sites/", json={"name": "s", "url": "https://s.io"})).json()
        created = (
            await client.post("/integrations/", json={"site_id": site["id"], "platform": "custom"})
        ).json()
        path = f"/integrations/{created['id']}/"
        responses = await asyncio.gather(
            *[
                client.patch(
                    path,
                    json={"config_json": {f"key{n}": n}},
                    headers={"If-Match": '"1"'} if n % 4 == 0 else {},
                )
                for n in range(20)
            ]
        )
        final = (await client.get(path)).json()
        history = (await client.get(f"{path}history/?type=integration.&limit=200")).json()[
            "results"
        ]
    applied = {n for n, r in enumerate(responses) if r.status_code == 200}
    assert all(r.status_code in (200, 409, 412) for r in responses), [r.text for r in responses]
    assert {f"key{n}" for n in applied} == set(final["config_json"]) - {"site_url"}
    assert [e["version"] for e in history] == list(range(1, final["version"] + 1))
    assert final["version"] == 1 + len(applied)
