"""`history/` is the integration's whole timeline (its stream, its sync runs, its webhook
deliveries, its slot) in global order, filtered and paged by cursor; account scoping holds."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest

from app.aggregates.health_issues import HealthIssues
from app.aggregates.slot import IntegrationSlot
from app.aggregates.webhook_delivery import WebhookDelivery
from app.bootstrap import Services
from tests.conftest import LOOPBACK_PLATFORMS, Api
from tests.http.test_webhooks import HOOKS, STATUS
from tests.wordpress_site import APP_PASSWORD, WordPressSite


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**LOOPBACK_PLATFORMS, "sync_attempts": 1}


class Synced:
    """A WordPress integration that ran one sync and then received two webhook deliveries."""

    def __init__(self, api: Api, site: WordPressSite) -> None:
        self.api = api
        self.site = api.create_site(url=site.base_url)
        self.integration = api.create_integration(
            self.site["id"],
            credentials_json={
                "api_key": "plugin-key-0001",
                "username": "admin",
                "app_password": APP_PASSWORD,
            },
        )
        self.path = f"/integrations/{self.integration['id']}/"
        ran = api.post(f"{self.path}sync/?wait=15", json={"direction": "metadata"})
        assert ran.status_code == 200 and ran.json()["status"] == "success", ran.text
        self.sync_id = ran.json()["sync_id"]
        for n in (1, 2):
            hook = api.client.post(
                f"{HOOKS}/status/",
                json={**STATUS, "post_id": n},
                headers={"X-Api-Key": self.site["api_key"], "webhook-id": f"msg_{n}"},
            )
            assert hook.status_code == 200, hook.text

    def history(self, query: str = "") -> Any:
        response = self.api.get(f"{self.path}history/?{query}")
        assert response.status_code == 200, response.text
        return response.json()

    def streams(self) -> dict[str, str]:
        """Every stream that belongs to the integration, by stream type."""
        integration_id = self.integration["id"]
        return {
            "integration": integration_id,
            "integration_slot": str(IntegrationSlot.create_id(self.site["id"], "wordpress")),
            "sync_run": self.sync_id,
            "health_issues": str(HealthIssues.create_id(integration_id)),
            **{
                f"webhook_delivery {n}": str(WebhookDelivery.create_id(integration_id, f"msg_{n}"))
                for n in (1, 2)
            },
        }


@pytest.fixture
def synced(api: Api, site: WordPressSite) -> Synced:
    return Synced(api, site)


def pages(synced: Synced, limit: int, query: str = "") -> list[dict[str, Any]]:
    """Every entry, read `limit` at a time by following the cursors."""
    entries: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = synced.history(f"{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        entries += page["results"]
        if not (cursor := page["next_cursor"]):
            return entries


def test_history_holds_every_event_of_the_integrations_streams_in_global_order(
    synced: Synced,
    services: Services,
) -> None:
    history = synced.history("limit=200")
    entries = history["results"]
    assert history["next_cursor"] is None
    stored = {
        (str(e.originator_id), e.originator_version)
        for stream in synced.streams().values()
        for e in services.events.stream(UUID(stream), 0, 1000)
    }
    assert {(e["stream_id"], e["version"]) for e in entries} == stored
    positions = [e["position"] for e in entries]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert {e["stream_type"] for e in entries} - {"health_issues"} == {
        "integration",
        "integration_slot",
        "sync_run",
        "webhook_delivery",
    }
    types = [e["type"] for e in entries]
    assert (
        types.index("integration.created")
        < types.index("sync.requested")
        < types.index("sync.completed")
        < types.index("integration.webhook_received")
    )
    hooks = [e for e in entries if e["stream_type"] == "webhook_delivery"]
    assert [h["data"]["delivery_id"] for h in hooks] == ["msg_1", "msg_2"]
    assert hooks[0]["summary"] == "webhook msg_1: post 1 status publish"
    assert hooks[0]["actor"] == f"site:{synced.site['id']}" and hooks[0]["request_id"]
    assert all(e["summary"] and e["occurred_at"] for e in entries)
    text = json.dumps(entries)
    assert "plugin-key-0001" not in text and APP_PASSWORD not in text


@pytest.mark.parametrize("limit", [1, 2])
def test_paging_through_equals_one_big_page(synced: Synced, limit: int) -> None:
    assert pages(synced, limit) == synced.history("limit=200")["results"]
    assert pages(synced, limit, "type=sync.") == synced.history("type=sync.&limit=200")["results"]


def test_type_filters_take_an_exact_type_or_where_events_come_from(synced: Synced) -> None:
    def types(kind: str) -> list[str]:
        return [e["type"] for e in synced.history(f"type={kind}&limit=200")["results"]]

    assert types("webhook.") == ["integration.webhook_received"] * 2
    assert types("sync.completed") == ["sync.completed"]
    assert types("integration.webhook_received") == ["integration.webhook_received"] * 2
    assert {t.partition(".")[0] for t in types("sync.")} == {"sync"}
    assert "sync.requested" in types("sync.")
    own = synced.history("type=integration.&limit=200")["results"]
    assert {e["stream_id"] for e in own} == {synced.integration["id"]}
    assert types("integration_slot.") == ["integration_slot.claimed"]
    assert types("nothing.of.the.sort") == []
    assert "integration.webhook_received" not in types("integration.")  # from its own stream
    assert types("site.") == []  # a prefix of no type here


def test_since_and_until_bound_the_time(synced: Synced) -> None:
    entries = synced.history("limit=200")["results"]
    first_hook = next(e for e in entries if e["type"] == "integration.webhook_received")
    since = synced.history(f"since={quote(first_hook['occurred_at'])}&limit=200")["results"]
    assert since == [e for e in entries if e["occurred_at"] >= first_hook["occurred_at"]]
    assert [e["data"]["delivery_id"] for e in since if e["stream_type"] == "webhook_delivery"] == [
        "msg_1",
        "msg_2",
    ]
    created = entries[0]["occurred_at"]
    until = synced.history(f"until={quote(created)}&limit=200")["results"]
    assert until == [e for e in entries if e["occurred_at"] <= created]
    assert "integration.webhook_received" not in [e["type"] for e in until]
    both = synced.history(f"since={quote(created)}&until={quote(created)}&type=integration.")
    assert [e["type"] for e in both["results"]] == ["integration.created"]
    assert (
        synced.history(f"since={quote(first_hook['occurred_at'])}&until={quote(created)}")[
            "results"
        ]
        == []
    )


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2026-13-01T00:00:00Z",
        "cursor=not-a-cursor",
        "limit=0",
        "colour=red",
    ],
)
def test_bad_filters_are_400_problems(api: Api, query: str) -> None:
    created = api.create_integration(api.create_site()["id"])
    response = api.get(f"/integrations/{created['id']}/history/?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_another_account_gets_404_for_the_timeline_and_the_webhook_log(
    api: Api,
    other_api: Api,
) -> None:
    created = api.create_integration(api.create_site()["id"])
    for suffix in ("history/", "webhook-deliveries/"):
        path = f"/integrations/{created['id']}/{suffix}"
        assert api.get(path).status_code == 200
        refused = other_api.get(path)
        assert refused.status_code == 404
        assert refused.json()["type"] == "/problems/not-found"
        unknown = api.get(f"/integrations/00000000-0000-4000-8000-000000000000/{suffix}")
        assert unknown.status_code == 404
