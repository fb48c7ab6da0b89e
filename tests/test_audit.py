"""Audit and replay: a history of every command type replays to the same read tables, old
event versions still load, the account feed is isolated, and no secret leaves."""

from __future__ import annotations

import io
import uuid
from typing import Any

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from app.bootstrap import Services
from app.cli import main
from app.eventstore import EventMetadata
from app.operations import ProgressReport, export_events
from app.projections.content_index import POSTS
from tests.conftest import LOOPBACK_PLATFORMS, Api, cli_env
from tests.sync.conftest import Connected
from tests.wordpress_site import APP_PASSWORD, WordPressSite

HOOKS = "/api/v1/integration/webhooks/wordpress"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A run against a site that is down is attempted twice (a retry, then a failure)."""
    return {
        **LOOPBACK_PLATFORMS,
        "sync_attempts": 2,
        "sync_retry_wait": 0.05,
        "sync_poll_interval": 0.1,
    }


def every_command(api: Api, site: WordPressSite, canary: str) -> Connected:
    """Sites, integrations, tests, structure, syncs, pulls, webhooks, deletes."""
    connected = Connected(api, site, api_key=f"{canary}-key", app_password=APP_PASSWORD)
    owner = api.get("/sites/").json()["results"][0]
    api.post(f"/sites/{owner['id']}/rotate-api-key/")
    path = connected.path
    api.patch(
        path,
        json={
            "config_json": {"lang": "en"},
            "sync_enabled": True,
            "credentials_json": {"webhook_secret": None},
        },
    )
    api.post(f"{path}test-connection/")
    api.client.post(
        f"/api/v1/integration{path}update-structure/",
        json={"post_types": {"post": {}}, "taxonomies": {}},
        headers={"X-Api-Key": f"{canary}-key"},
    )
    connected.sync("metadata")
    connected.sync(
        "both",
        items=[
            {
                "content_id": "c-1",
                "title": "One",
                "content": "x",
                "status": "publish",
                "post_type": "post",
            }
        ],
    )
    api.post(f"{path}sync-wordpress-content/", json={"content_id": "c-1"})
    for kind, body in (
        ("status", {"post_id": 1, "content_id": "c-hello", "status": "draft"}),
        ("metadata", {"post_id": 1, "metadata": {"seo": "x"}}),
    ):
        api.client.post(
            f"{HOOKS}/{kind}/",
            json=body,
            headers={"X-Api-Key": f"{canary}-key", "webhook-id": f"d-{kind}"},
        )
    other = api.create_site(name="Second", url=site.base_url)
    api.client.post(
        "/api/v1/integration/integrations/test-connection/",
        json={"site_id": other["id"], "api_key": other["api_key"], "site_url": site.base_url},
    )
    custom = api.create_integration(other["id"], "custom", credentials_json={"t": canary})
    api.delete(f"/integrations/{custom['id']}/")
    api.create_integration(other["id"], "custom")
    site.mode = "down"
    connected.sync("from_external")
    site.mode = "pretty"
    api.request("PUT", f"{path}schedule/", json={"direction": "reconcile", "every": "1h"})
    site.trash(1)
    connected.sync("reconcile")
    api.request(
        "PUT",
        f"{path}schedule/",
        json={"direction": "reconcile", "cron": "0 * * * *", "paused": True},
    )
    api.delete(f"{path}schedule/")
    return connected


def test_replaying_every_command_type_gives_the_live_rows(
    api: Api,
    site: WordPressSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    connected = every_command(api, site, "canary")
    services = api.services
    services.read_side.catch_up()
    topics = {type(services.events.decode(n)).TOPIC for n in services.events.read(0, 10_000)}
    assert {
        "integration.webhook_received",
        "sync.content_pushed",
        "sync.content_pulled",
        "integration.content_pulled",
        "integration.structure_updated",
        "integration.connection_tested",
        "integration.deleted",
        "site.api_key_rotated",
        "integration_slot.released",
        "sync.failed",
        "sync.claimed",
        "sync.retry_scheduled",
        "integration.schedule_set",
        "integration.schedule_removed",
        "sync.content_deleted",
    } <= topics
    cli_env(monkeypatch, services)
    assert main(["projections", "verify"]) == 0
    with services.db.transaction(write=True) as tx:
        tx.execute(
            f"UPDATE {services.read_side.physical(POSTS)} SET title = 'tampered'"
            " WHERE integration_id = ?"
            " AND external_id = 1",
            (connected.integration["id"],),
        )
    assert main(["projections", "verify"]) == 1
    output = capsys.readouterr().out
    assert "content_index" in output and "external_id=1" in output and "tampered" in output


def test_no_secret_in_history_feed_export_or_log(
    api: Api,
    site: WordPressSite,
) -> None:
    canary = f"canary{uuid.uuid4().hex}"
    connected = every_command(api, site, canary)
    texts = [
        api.get(f"{connected.path}history/?limit=200").text,
        api.get("/events/?limit=200").text,
        api.get(f"{connected.path}sync-events/?limit=200").text,
    ]
    for account in (None, api.account_id):
        out = io.StringIO()
        export_events(api.services, account_id=account, out=out)
        texts.append(out.getvalue())
        assert len(out.getvalue().splitlines()) > 20
    for text in texts:
        assert canary not in text
        assert "whsec_" not in text


def test_an_old_version_of_an_event_still_loads(api: Api, services: Services) -> None:
    """`integration.sync_finished` v1 had no `watermark`; v2 events carry one."""
    owner = api.create_site()
    created = api.create_integration(owner["id"], "custom")
    integration_id = uuid.UUID(created["id"])
    integration = services.store.get_integration(created["id"], api.account_id)
    integration.request_sync(sync_id="old-run", direction="metadata")
    services.events.record(integration, metadata=EventMetadata(actor="user:t", request_id="r"))
    v1 = {
        "timestamp": "2025-01-02T03:04:05.000000+00:00",
        "sync_id": "old-run",
        "outcome": "success",
        "error": None,
        "finished_at": "2025-01-02T03:04:05.000000Z",
        "actor": "system",
        "request_id": "legacy",
    }
    services.events.recorder.insert_events(
        [
            StoredEvent(
                originator_id=integration_id,
                originator_version=3,
                topic="integration.sync_finished",
                state=msgspec.json.encode(v1),
            )
        ]
    )
    loaded = services.store.get_integration(created["id"], api.account_id)
    assert (loaded.version, loaded.sync_status, loaded.pull_watermark) == (3, "success", None)
    services.read_side.catch_up()
    assert api.get(f"/integrations/{created['id']}/").json()["sync_status"] == "success"
    last = api.get(f"/integrations/{created['id']}/history/").json()["results"][-1]
    assert (last["type"], last["data"]["watermark"]) == ("integration.sync_finished", None)


def test_the_feed_of_one_account_holds_none_of_another(api: Api, other_api: Api) -> None:
    for owner in (api, other_api, api, other_api):
        site = owner.create_site()
        owner.create_integration(site["id"], "custom")
    mine = api.get("/events/?limit=200").json()
    theirs = other_api.get("/events/?limit=200").json()
    my_streams = {e["stream_id"] for e in mine["events"]}
    assert my_streams and not my_streams & {e["stream_id"] for e in theirs["events"]}
    positions = [e["position"] for e in mine["events"]]
    assert positions == sorted(positions) and mine["next_after"] == positions[-1]
    assert set(positions) & {e["position"] for e in theirs["events"]} == set()
    later = api.get(f"/events/?after={positions[1]}&limit=2").json()
    assert [e["position"] for e in later["events"]] == positions[2:4]
    assert api.get(f"/events/?after={positions[-1]}").json() == {
        "events": [],
        "next_after": positions[-1],
    }
    assert api.get("/events/?after=-1").status_code == 400


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        report = ProgressReport("rebuild", stream)
        report(500, 1000)
        report(1000, 1000)
        report.close()
    assert "events/s" in terminal.getvalue() and "━" in terminal.getvalue()
    assert log.getvalue().splitlines()[-1].startswith("rebuild: 1000/1000 events")
    assert "ETA" in log.getvalue()
