"""WordPress webhooks: authenticated by key (and signature), one event per delivery id,
refusals that write nothing, and the read models every accepted delivery feeds."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from standardwebhooks.webhooks import Webhook

from app.api_keys import SITE_KEYS
from app.bootstrap import Services
from app.http.app import create_app
from app.projection_engine.verify import verify
from app.projections.sync_event_log import LOG
from tests.asgi import asgi_client
from tests.conftest import Api, count_events, live_targets

HOOKS = "/api/v1/integration/webhooks/wordpress"
TOPIC = "integration.webhook_received"
PLUGIN_KEY = "wp-key-0123456789"
STATUS = {
    "post_id": 42,
    "content_id": "c-42",
    "status": "publish",
    "post_type": "post",
    "url": "https://blog.example.com/?p=42",
    "title": "Fish &amp; Chips",
    "modified_gmt": "2026-11-22 02:26:33",
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def signed(secret: str, body: bytes, msg_id: str, at: datetime | None = None) -> dict[str, str]:
    moment = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, moment, body.decode()),
    }


@dataclass
class Blog:
    """A site with its WordPress integration, as the plugin knows them."""

    api: Api
    site: dict[str, Any]
    integration: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.site["api_key"])

    @property
    def path(self) -> str:
        return f"/integrations/{self.integration['id']}/"

    def content(self) -> list[dict[str, Any]]:
        return list(self.api.get(f"{self.path}content/").json()["results"])

    def deliver(
        self, body: Any = None, *, kind: str = "status", key: str | None = None, **headers: str
    ) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body or STATUS).encode()
        sent = {
            "Content-Type": "application/json",
            "X-Api-Key": self.key if key is None else key,
            **headers,
        }
        return self.api.client.post(f"{HOOKS}/{kind}/", content=raw, headers=sent)


def blog(api: Api, **credentials: Any) -> Blog:
    site = api.create_site()
    integration = api.create_integration(
        site["id"], credentials_json={"api_key": PLUGIN_KEY, **credentials}
    )
    return Blog(api, site, integration)


@pytest.fixture
def wp(api: Api) -> Blog:
    return blog(api)


def webhook_id(n: int | str) -> dict[str, str]:
    return {"webhook-id": f"msg_{n}"}


# -- accepted deliveries -----------------------------------------------------------------


def test_status_delivery_is_one_event_that_feeds_index_log_and_counters(
    wp: Blog,
    services: Services,
) -> None:
    answer = wp.deliver(**webhook_id(1))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ok": True, "duplicate": False}
    assert count_events(services, TOPIC) == 1

    (row,) = wp.content()
    assert (
        row["external_id"],
        row["content_id"],
        row["status"],
        row["url"],
        row["title"],
        row["post_type"],
        row["modified_at"],
        row["source"],
    ) == (
        42,
        "c-42",
        "publish",
        STATUS["url"],
        "Fish & Chips",
        "post",
        "2026-11-22T02:26:33Z",
        "webhook",
    )
    log = wp.api.get(f"{wp.path}sync-events/?event_type=webhook").json()["results"]
    assert [(e["action"], e["success"], e["content_id"], e["external_id"]) for e in log] == [
        ("status", True, "c-42", 42)
    ]
    assert log[0]["details"]["delivery_id"] == "msg_1"
    assert log[0]["details"]["status"] == "publish"
    debug = wp.api.get(f"{wp.path}debug-status/").json()
    assert debug["counters"]["webhooks_24h"] == 1


def test_metadata_delivery_maps_content_id_and_keeps_what_the_index_knew(
    wp: Blog,
    services: Services,
) -> None:
    assert wp.deliver(**webhook_id(1)).status_code == 200
    metadata = {"post_id": 42, "content_id": "c-43", "metadata": {"seo_title": "Fish"}}
    answer = wp.deliver(metadata, kind="metadata", **webhook_id(2))
    assert answer.json() == {"ok": True, "duplicate": False}, answer.text
    (row,) = wp.content()
    assert (row["content_id"], row["status"], row["title"]) == ("c-43", "publish", "Fish & Chips")
    log = wp.api.get(f"{wp.path}sync-events/?event_type=webhook").json()["results"]
    assert log[0]["action"] == "metadata"
    assert log[0]["details"] == {"delivery_id": "msg_2", "metadata_keys": ["seo_title"]}


def test_a_content_id_moves_with_the_webhook_and_read_models_rebuild_the_same(
    wp: Blog,
    services: Services,
) -> None:
    wp.deliver(**webhook_id(1))
    wp.deliver(
        {"post_id": 42, "content_id": "c-9", "metadata": {"a": 1}}, kind="metadata", **webhook_id(2)
    )
    wp.deliver({**STATUS, "post_id": 43, "content_id": "c-9"}, **webhook_id(3))
    assert {row["external_id"]: row["content_id"] for row in wp.content()} == {42: None, 43: "c-9"}
    assert verify(services.events, services.db, live_targets(services)) == []


def test_zero_modified_gmt_of_a_draft_means_unknown(wp: Blog, services: Services) -> None:
    draft = {**STATUS, "status": "draft", "modified_gmt": "0000-00-00 00:00:00"}
    assert wp.deliver(draft, **webhook_id(1)).status_code == 200
    (row,) = wp.content()
    assert (row["modified_at"], row["status"]) == (None, "draft")


def test_a_repeated_delivery_id_is_a_duplicate_and_changes_nothing(
    wp: Blog,
    services: Services,
) -> None:
    assert wp.deliver(**webhook_id("x")).json()["duplicate"] is False
    again = wp.deliver({**STATUS, "status": "trash"}, **webhook_id("x"))
    assert again.status_code == 200
    assert again.json() == {"ok": True, "duplicate": True}
    by_key = [wp.deliver(**{"Idempotency-Key": "k-1"}).json()["duplicate"] for _ in range(2)]
    assert by_key == [False, True]
    assert count_events(services, TOPIC) == 2
    assert [row["status"] for row in wp.content()] == ["publish"]


def test_deliveries_without_an_id_cannot_be_deduplicated(wp: Blog, services: Services) -> None:
    assert [wp.deliver().json()["duplicate"] for _ in range(2)] == [False, False]
    assert count_events(services, TOPIC) == 2


def test_the_same_delivery_id_for_two_integrations_is_two_deliveries(
    api: Api,
    services: Services,
) -> None:
    one, two = blog(api), blog(api)
    assert one.deliver(**webhook_id(7)).json()["duplicate"] is False
    assert two.deliver(**webhook_id(7)).json()["duplicate"] is False
    assert count_events(services, TOPIC) == 2


def test_site_key_and_integration_api_key_both_authenticate(
    wp: Blog,
    services: Services,
) -> None:
    assert wp.deliver(**webhook_id(1)).status_code == 200
    assert wp.deliver(key=PLUGIN_KEY, **webhook_id(2)).status_code == 200
    feed = wp.api.get("/events/?limit=200").json()["events"]
    received = [e for e in feed if e["type"] == TOPIC]
    assert [e["actor"] for e in received] == [f"site:{wp.site['id']}"] * 2
    assert {e["data"]["integration_id"] for e in received} == {wp.integration["id"]}


def test_an_api_key_shared_by_two_integrations_names_neither(
    wp: Blog,
    services: Services,
) -> None:
    blog(wp.api)  # a second WordPress integration configured with the same api_key
    refused = wp.deliver(key=PLUGIN_KEY, **webhook_id(1))
    assert (refused.status_code, refused.json()["type"]) == (401, "/problems/unauthenticated")
    assert wp.deliver(**webhook_id(1)).status_code == 200  # the site key is unambiguous


def test_a_rotated_site_key_stops_working_at_once(wp: Blog, services: Services) -> None:
    new_key = wp.api.post(f"/sites/{wp.site['id']}/rotate-api-key/").json()["api_key"]
    old = wp.deliver(**webhook_id(1))
    assert old.status_code == 401
    assert old.json()["type"] == "/problems/unauthenticated"
    assert wp.deliver(key=new_key, **webhook_id(1)).status_code == 200
    assert count_events(services, TOPIC) == 1


def test_webhook_events_appear_in_the_owners_feed_only(
    wp: Blog,
    other_api: Api,
    services: Services,
) -> None:
    request_id = "hook-req-1"
    assert wp.deliver(**webhook_id(1), **{"X-Request-ID": request_id}).status_code == 200
    mine = [e for e in wp.api.get("/events/?limit=200").json()["events"] if e["type"] == TOPIC]
    assert len(mine) == 1
    assert mine[0]["stream_type"] == "webhook_delivery"
    assert mine[0]["request_id"] == request_id
    assert mine[0]["data"]["post_id"] == 42
    theirs = other_api.get("/events/?limit=200").json()["events"]
    assert theirs == []


# -- signatures --------------------------------------------------------------------------


def test_signed_delivery_verifies_with_the_integrations_secret(
    api: Api,
    services: Services,
) -> None:
    secret = new_secret()
    wp = blog(api, webhook_secret=secret)
    body = json.dumps(STATUS).encode()
    answer = wp.deliver(body, **signed(secret, body, "msg_1"))
    assert answer.status_code == 200, answer.text
    assert count_events(services, TOPIC) == 1


def test_previous_secret_still_verifies_while_both_are_listed(
    api: Api,
    services: Services,
) -> None:
    old, new = new_secret(), new_secret()
    wp = blog(api, webhook_secret=[new, old])
    body = json.dumps(STATUS).encode()
    for n, secret in enumerate((old, new)):
        answer = wp.deliver(body, **signed(secret, body, f"msg_{n}"))
        assert answer.status_code == 200, answer.text
    assert count_events(services, TOPIC) == 2


def test_a_header_with_two_signatures_verifies_when_one_matches(
    api: Api,
    services: Services,
) -> None:
    secret = new_secret()
    wp = blog(api, webhook_secret=secret)
    body = json.dumps(STATUS).encode()
    headers = signed(secret, body, "msg_1")
    stranger = signed(new_secret(), body, "msg_1")["webhook-signature"]
    headers["webhook-signature"] = f"{stranger} {headers['webhook-signature']}"
    assert wp.deliver(body, **headers).status_code == 200
    assert count_events(services, TOPIC) == 1


def test_dropping_the_old_secret_refuses_what_it_signed(api: Api, services: Services) -> None:
    old, new = new_secret(), new_secret()
    wp = blog(api, webhook_secret=[new, old])
    patched = api.patch(wp.path, json={"credentials_json": {"webhook_secret": new}})
    assert patched.status_code == 200, patched.text
    body = json.dumps(STATUS).encode()
    refused = wp.deliver(body, **signed(old, body, "msg_1"))
    assert refused.status_code == 401
    assert refused.json()["type"] == "/problems/invalid-signature"
    assert count_events(services, TOPIC) == 0


# -- refusals: status, problem type, and nothing written ---------------------------------

SECRET = new_secret()
BODY = json.dumps(STATUS).encode()


def _now_signed(**changes: str) -> dict[str, str]:
    return {**signed(SECRET, BODY, "msg_1"), **changes}


def _signed_at(minutes: int) -> dict[str, str]:
    return signed(SECRET, BODY, "msg_1", datetime.now(UTC) + timedelta(minutes=minutes))


REFUSED_SIGNATURES: dict[str, Callable[[], dict[str, str]]] = {
    "no signature headers": dict,
    "signature without id": lambda: {k: v for k, v in _now_signed().items() if k != "webhook-id"},
    "wrong secret": lambda: signed(new_secret(), BODY, "msg_1"),
    "signed for another id": lambda: _now_signed(**{"webhook-id": "msg_2"}),
    "six minutes old": lambda: _signed_at(-6),
    "six minutes ahead": lambda: _signed_at(6),
    "timestamp not a number": lambda: _now_signed(**{"webhook-timestamp": "yesterday"}),
    "malformed signature": lambda: _now_signed(**{"webhook-signature": "v1"}),
    "signature not base64": lambda: _now_signed(**{"webhook-signature": "v1,abc"}),
    "only another version": lambda: _now_signed(**{"webhook-signature": "v2,c2lnbmF0dXJl"}),
}


@pytest.mark.parametrize("headers", REFUSED_SIGNATURES.values(), ids=REFUSED_SIGNATURES.keys())
def test_bad_signatures_are_refused_with_a_reason(
    api: Api,
    services: Services,
    headers: Callable[[], dict[str, str]],
) -> None:
    wp = blog(api, webhook_secret=SECRET)
    before = count_events(services)
    refused = wp.deliver(BODY, **headers())
    assert refused.status_code == 401, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-signature"
    assert problem["detail"]
    assert count_events(services) == before


def test_six_minute_old_timestamp_names_the_tolerance(api: Api) -> None:
    wp = blog(api, webhook_secret=SECRET)
    refused = wp.deliver(BODY, **_signed_at(-6))
    assert "5 minutes" in refused.json()["detail"]


REFUSALS: dict[str, tuple[dict[str, Any], int, str]] = {
    "no key": ({"key": ""}, 401, "unauthenticated"),
    "unknown key": ({"key": "wpk_not-a-key"}, 401, "unauthenticated"),
    "unknown field": ({"body": {**STATUS, "extra": 1}}, 400, "validation-error"),
    "missing status": ({"body": {"post_id": 1}}, 400, "validation-error"),
    "post id not a number": ({"body": {**STATUS, "post_id": "forty-two"}}, 400, "validation-error"),
    "post id zero": ({"body": {**STATUS, "post_id": 0}}, 400, "validation-error"),
    "bad modified_gmt": (
        {"body": {**STATUS, "modified_gmt": "yesterday"}},
        400,
        "validation-error",
    ),
    "metadata not an object": (
        {"body": {"post_id": 1, "metadata": [1]}, "kind": "metadata"},
        400,
        "validation-error",
    ),
    "not json": ({"body": b"{not json"}, 400, "validation-error"),
    "over 64 KiB": ({"body": {**STATUS, "title": "x" * 70_000}}, 413, "payload-too-large"),
    "webhook-id too long": ({"webhook-id": "x" * 300}, 400, "validation-error"),
}


@pytest.mark.parametrize(("given", "status", "slug"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_write_nothing(
    wp: Blog,
    services: Services,
    given: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    before = count_events(services)
    given = dict(given)
    refused = wp.deliver(
        given.pop("body", None),
        kind=given.pop("kind", "status"),
        key=given.pop("key", None),
        **given,
    )
    assert refused.status_code == status, refused.text
    assert refused.json()["type"] == f"/problems/{slug}"
    assert count_events(services) == before


def test_a_bad_body_names_the_field(wp: Blog) -> None:
    unknown = wp.deliver({**STATUS, "extra": 1}).json()
    assert unknown["errors"] == [{"field": "extra", "message": "is not a known field"}]
    missing = wp.deliver({"post_id": 1}).json()
    assert missing["errors"][0]["field"] == "status"
    wrong = wp.deliver({**STATUS, "post_id": "forty-two"}).json()
    assert wrong["errors"][0]["field"] == "post_id"


def test_wrong_content_type_is_415_and_writes_nothing(wp: Blog, services: Services) -> None:
    before = count_events(services)
    refused = wp.api.client.post(
        f"{HOOKS}/status/",
        content=BODY,
        headers={"Content-Type": "text/plain", "X-Api-Key": wp.key},
    )
    assert refused.status_code == 415
    assert refused.json()["type"] == "/problems/unsupported-media-type"
    assert count_events(services) == before


def test_the_key_is_checked_before_the_body(wp: Blog, services: Services) -> None:
    refused = wp.deliver({"nonsense": True}, key="wpk_wrong")
    assert refused.status_code == 401
    assert refused.json()["type"] == "/problems/unauthenticated"


def test_the_signature_is_checked_before_the_body(api: Api, services: Services) -> None:
    wp = blog(api, webhook_secret=SECRET)
    refused = wp.deliver({"nonsense": True})
    assert refused.json()["type"] == "/problems/invalid-signature"


def test_a_site_without_wordpress_integration_is_404(api: Api, services: Services) -> None:
    site = api.create_site()
    api.create_integration(site["id"], platform="custom")
    before = count_events(services)
    refused = Blog(api, site, {}).deliver(**webhook_id(1))
    assert refused.status_code == 404
    assert refused.json()["type"] == "/problems/not-found"
    assert count_events(services) == before


def test_a_deleted_integration_is_404_by_site_key_and_401_by_its_own_key(
    wp: Blog,
    services: Services,
) -> None:
    assert wp.api.delete(wp.path).status_code == 204
    before = count_events(services)
    by_site = wp.deliver(**webhook_id(1))
    assert (by_site.status_code, by_site.json()["type"]) == (404, "/problems/not-found")
    by_own_key = wp.deliver(key=PLUGIN_KEY, **webhook_id(1))
    assert (by_own_key.status_code, by_own_key.json()["type"]) == (401, "/problems/unauthenticated")
    assert count_events(services) == before


def test_an_inactive_integration_is_409(wp: Blog, services: Services) -> None:
    assert wp.api.patch(wp.path, json={"is_active": False}).status_code == 200
    before = count_events(services)
    refused = wp.deliver(**webhook_id(1))
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/integration-inactive"
    assert count_events(services) == before


@pytest.mark.parametrize("settings_overrides", [{"rate_limit": "5/minute"}])
def test_deliveries_are_throttled_per_site(api: Api, services: Services) -> None:
    wp, other = blog(api), blog(api, api_key="other-key-0123")  # four of the user's five
    assert [wp.deliver(**webhook_id(n)).status_code for n in range(5)] == [200] * 5
    before = count_events(services)
    throttled = wp.deliver(**webhook_id(5))
    assert throttled.status_code == 429
    assert throttled.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert count_events(services) == before
    assert wp.deliver(key=PLUGIN_KEY, **webhook_id(6)).status_code == 429  # same site
    assert other.deliver(**webhook_id(5)).status_code == 200


# -- secrets stay secret -----------------------------------------------------------------


def test_no_key_or_secret_appears_in_answers_feed_history_or_logs(
    api: Api,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wp = blog(api, webhook_secret=SECRET)
    answers = [
        wp.deliver(BODY, **signed(SECRET, BODY, "msg_ok")),
        wp.deliver(BODY, **signed(SECRET, BODY, "msg_ok")),
        wp.deliver(BODY, key=PLUGIN_KEY, **signed(SECRET, BODY, "msg_2")),
        wp.deliver(BODY, **signed(new_secret(), BODY, "msg_bad")),
        wp.deliver(BODY, key=wp.key + "x"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 401]
    reads = [
        api.get("/events/?limit=200"),
        api.get(f"{wp.path}history/"),
        api.get(f"{wp.path}sync-events/"),
        api.get(wp.path),
    ]
    texts = [r.text for r in answers + reads] + [caplog.text]
    for secret in (wp.key, PLUGIN_KEY, SECRET, SECRET.removeprefix("whsec_")):
        assert not any(secret in text for text in texts), secret


# -- OpenAPI -----------------------------------------------------------------------------


def test_openapi_documents_bodies_headers_and_problems(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    for kind, field in (("status", "status"), ("metadata", "metadata")):
        operation = schema["paths"][f"{HOOKS}/{kind}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        name = body["$ref"].rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"][name]["properties"]
        assert {"post_id", "content_id", field} <= set(properties)
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"X-Api-Key", "webhook-id", "webhook-signature", "Idempotency-Key"} <= headers
        assert {"200", "400", "401", "404", "409", "413", "415", "429"} <= set(
            operation["responses"]
        )


# -- concurrency -------------------------------------------------------------------------


async def _concurrent_deliveries(services: Services, ids: list[str]) -> list[httpx.Response]:
    app = create_app(services, manage_lifecycle=False)
    token = services.tokens.issue(account_id="acc", user_id="u", role="owner")
    async with asgi_client(app, "http://testserver.local/api/v1/integration") as client:
        auth = {"Authorization": f"Bearer {token}"}
        site = (
            await client.post("/sites/", json={"name": "s", "url": "https://s.io"}, headers=auth)
        ).json()
        created = await client.post(
            "/integrations/",
            headers=auth,
            json={
                "site_id": site["id"],
                "platform": "wordpress",
                "credentials_json": {"api_key": PLUGIN_KEY},
            },
        )
        assert created.status_code == 201, created.text
        headers = {"X-Api-Key": site["api_key"], "Content-Type": "application/json"}
        return list(
            await asyncio.gather(
                *[
                    client.post(
                        "/webhooks/wordpress/status/",
                        content=BODY,
                        headers={**headers, "webhook-id": msg_id},
                    )
                    for msg_id in ids
                ]
            )
        )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_fifty_concurrent_copies_of_one_delivery_make_one_event(
    services: Services,
) -> None:
    services.start()
    responses = await _concurrent_deliveries(services, ["msg_same"] * 50)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["duplicate"] for r in responses) == [False] + [True] * 49
    assert count_events(services, TOPIC) == 1


@pytest.mark.anyio
async def test_fifty_concurrent_distinct_deliveries_make_fifty_events(
    services: Services,
) -> None:
    services.start()
    responses = await _concurrent_deliveries(services, [f"msg_{n}" for n in range(50)])
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert not any(r.json()["duplicate"] for r in responses)
    assert count_events(services, TOPIC) == 50
    log = services.db.value(f"SELECT COUNT(*) FROM {LOG} WHERE event_type = 'webhook'")
    assert log == 50


def test_a_key_rotated_while_the_projection_runner_is_stopped_works_at_once(
    wp: Blog,
    services: Services,
) -> None:
    services.stop_workers()  # the read side stops here: only the write side moves
    services.settings = msgspec.structs.replace(services.settings, read_your_writes_timeout=0.05)
    before = services.read_side.position()
    new_key = wp.api.post(f"/sites/{wp.site['id']}/rotate-api-key/").json()["api_key"]
    old = wp.deliver(**webhook_id(1))
    assert (old.status_code, old.json()["type"]) == (401, "/problems/unauthenticated")
    assert wp.deliver(key=new_key, **webhook_id(1)).status_code == 200
    assert services.read_side.position() == before  # nothing was projected meanwhile
    assert count_events(services, TOPIC) == 1


def test_the_key_table_arriving_in_an_older_store_is_filled_from_the_events(
    wp: Blog,
    services: Services,
) -> None:
    new_key = wp.api.post(f"/sites/{wp.site['id']}/rotate-api-key/").json()["api_key"]
    with services.db.transaction(write=True) as tx:  # a store from before the table
        tx.execute(f"DROP TABLE {SITE_KEYS}")
    services.create_schema()
    assert wp.deliver(**webhook_id(1)).status_code == 401
    assert wp.deliver(key=new_key, **webhook_id(1)).status_code == 200
