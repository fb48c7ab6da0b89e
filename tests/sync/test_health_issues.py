"""Health issues open under their condition and resolve after a later success: credential
rejections, runs failing in a row and schedules that paused themselves from the outcomes
that record them; silent webhooks and overdue runs from the monitor, on a test clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.aggregates.time import parse_iso
from app.bootstrap import Services
from app.http.app import create_app
from app.projections.health_issues import WEBHOOK_WATCH
from app.queries.health_issues import open_kinds
from app.reads import reads_for
from app.settings import Settings
from tests.conftest import Api, count_events, make_settings
from tests.http.test_console import Browser
from tests.sync.conftest import FAST_SYNCS, Connected, ManualClock, wait_until
from tests.wordpress_site import APP_PASSWORD, WordPressSite

OPENED = "integration.health_issue_opened"
TYPES = "/wp/v2/types"
SILENT_AFTER, GRACE = 3600.0, 60.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_SYNCS, "sync_attempts": 1, "sync_auto_pause_after": 2, "health_failing_after": 3}


def open_issues(connected: Connected) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = connected.get("debug-status/")["open_issues"]
    return issues


def kinds(connected: Connected) -> list[str]:
    return [issue["kind"] for issue in open_issues(connected)]


def put_schedule(connected: Connected, **body: Any) -> Any:
    response = connected.api.request(
        "PUT", connected.path + "schedule/", json={"direction": "metadata", "every": "1h", **body}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_credential_rejection_opens_once_and_a_later_sync_resolves_it(
    connected: Connected,
) -> None:
    connected.site.fail_next(401, route=TYPES)
    assert connected.sync("metadata")["status"] == "failed"
    (issue,) = open_issues(connected)
    assert issue["kind"] == "credentials_rejected" and issue["opened_at"] == issue["last_seen"]
    connected.site.fail_next(403, route=TYPES)
    assert connected.sync("metadata")["status"] == "failed"
    assert kinds(connected) == ["credentials_rejected"]
    assert count_events(connected.api.services, OPENED) == 1
    assert connected.sync("metadata")["status"] == "success"
    assert open_issues(connected) == []


def test_a_rejected_connection_test_opens_it_and_a_good_one_resolves_it(
    api: Api,
    site: WordPressSite,
) -> None:
    connected = Connected(api, site, app_password="wrong pass word 0000 1111 2222")
    tested = api.post(f"{connected.path}test-connection/").json()
    assert tested["success"] is False and tested["details"]["code"] == "unauthorized"
    assert kinds(connected) == ["credentials_rejected"]
    patched = api.patch(
        connected.path,
        json={
            "credentials_json": {
                "api_key": "plugin-key-0001",
                "username": "admin",
                "app_password": APP_PASSWORD,
            }
        },
    )
    assert patched.status_code == 200, patched.text
    assert kinds(connected) == ["credentials_rejected"]
    assert api.post(f"{connected.path}test-connection/").json()["success"] is True
    assert open_issues(connected) == []


def test_failed_runs_in_a_row_open_sync_failing_once_and_a_success_resolves_it(
    connected: Connected,
) -> None:
    connected.site.mode = "not_wordpress"
    for _ in range(2):
        assert connected.sync("metadata")["status"] == "failed"
    assert open_issues(connected) == []
    for _ in range(2):
        assert connected.sync("metadata")["status"] == "failed"
    (issue,) = open_issues(connected)
    assert issue["kind"] == "sync_failing" and "3 runs in a row failed" in issue["detail"]
    assert count_events(connected.api.services, OPENED) == 1
    connected.site.mode = "pretty"
    assert connected.sync("metadata")["status"] == "success"
    assert open_issues(connected) == []
    assert count_events(connected.api.services, "integration.health_issue_resolved") == 1


def test_a_schedule_that_paused_itself_is_an_issue_until_it_is_resumed(
    connected: Connected,
) -> None:
    put_schedule(connected)
    connected.site.mode = "not_wordpress"
    connected.sync("metadata")
    assert open_issues(connected) == []
    connected.sync("metadata")
    assert connected.get("schedule/")["paused"] is True
    (issue,) = open_issues(connected)
    assert issue["kind"] == "schedule_auto_paused" and "2 runs in a row" in issue["detail"]
    connected.site.mode = "pretty"
    put_schedule(connected)
    assert open_issues(connected) == []


def test_another_account_sees_no_issues(connected: Connected, other_api: Api) -> None:
    connected.site.fail_next(401, route=TYPES)
    connected.sync("metadata")
    assert kinds(connected) == ["credentials_rejected"]
    integration_id = connected.integration["id"]
    assert other_api.get(f"/integrations/{integration_id}/debug-status/").status_code == 404
    settings = connected.api.services.settings
    assert kinds_open(settings, other_api.account_id, integration_id) == {}
    assert kinds_open(settings, connected.api.account_id, integration_id) == {
        integration_id: ["credentials_rejected"]
    }
    owner = Browser(connected.api.client)
    owner.sign_in(connected.api.token)
    assert "1 open issue" in owner.get("/console/").text
    page = owner.get(f"/console/integrations/{integration_id}")
    assert page.status_code == 200 and 'class="issue credentials_rejected"' in page.text
    other = Browser(other_api.client)
    other.sign_in(other_api.token)
    listed = other.get("/console/")
    assert listed.status_code == 200 and "open issue" not in listed.text
    assert other.get(f"/console/integrations/{integration_id}").status_code == 404


# -- time-driven issues: the monitor, on a test clock -------------------------------------


@pytest.fixture
def quiet(database_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Services]:
    """Projections run; no sync worker does (the test looks and requests when it wants)."""
    built = Services(
        make_settings(
            database_url,
            tmp_path,
            **FAST_SYNCS,
            health_webhooks_silent_after=SILENT_AFTER,
            health_overdue_grace=GRACE,
        ),
        clock=clock,
    )
    built.projection_follower.start()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def watched(quiet: Services, site: WordPressSite) -> Iterator[Connected]:
    with TestClient(create_app(quiet, manage_lifecycle=False)) as client:
        yield Connected(Api(client, quiet, account_id="acc"), site)


def test_an_overdue_scheduled_run_opens_sync_overdue_until_it_is_requested(
    watched: Connected,
    quiet: Services,
    clock: ManualClock,
) -> None:
    monitor = quiet.sync_workers.health
    due = put_schedule(watched, every="1m")["next_run_at"]
    clock.advance(60 + GRACE - 1)
    assert monitor.look() == 0
    clock.advance(2)
    assert monitor.look() == 1
    (issue,) = wait_until(lambda: open_issues(watched))
    assert (issue["kind"], issue["since"]) == ("sync_overdue", due)
    clock.advance(30)
    assert monitor.look() == 0
    assert count_events(quiet, OPENED) == 1
    assert quiet.sync_workers.scheduler.request_due() == 1
    wait_until(lambda: monitor.look() == 1)
    wait_until(lambda: open_issues(watched) == [])


def test_webhooks_silent_for_the_set_time_open_an_issue_until_the_next_one(
    watched: Connected,
    quiet: Services,
    clock: ManualClock,
) -> None:
    monitor, api = quiet.sync_workers.health, watched.api
    site = api.create_site(name="Hooked", url="https://hooked.example.com")
    hooked = Hooked(api, site["api_key"], api.create_integration(site["id"])["id"])
    clock.advance(2 * SILENT_AFTER)
    assert monitor.look() == 0  # no webhook ever, none configured: silence is normal
    first = hooked.deliver(1)
    clock.advance(
        (
            parse_iso(first) + timedelta(seconds=SILENT_AFTER, milliseconds=1) - clock.now()
        ).total_seconds()
    )
    assert monitor.look() == 1
    (issue,) = wait_until(hooked.open_issues)
    assert (issue["kind"], issue["since"]) == ("webhooks_silent", first)
    assert monitor.look() == 0
    hooked.deliver(2)
    assert monitor.look() == 1
    wait_until(lambda: hooked.open_issues() == [])
    assert count_events(quiet, OPENED) == 1


class Hooked:
    """A WordPress integration its site's plugin sends webhooks to."""

    def __init__(self, api: Api, key: str, integration_id: str) -> None:
        self.api, self.key, self.integration_id = api, key, integration_id

    def deliver(self, n: int) -> str:
        """Deliver webhook `n`; returns when the read side heard it (and that time)."""
        before = self.heard()
        answer = self.api.client.post(
            "/api/v1/integration/webhooks/wordpress/status/",
            content=json.dumps({"post_id": n, "status": "publish"}).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Api-Key": self.key,
                "webhook-id": f"msg_{n}",
            },
        )
        assert answer.status_code == 200, answer.text
        return str(wait_until(lambda: (now := self.heard()) != before and now))

    def heard(self) -> str | None:
        row = self.api.services.db.one(
            f"SELECT last_webhook_at FROM {WEBHOOK_WATCH} WHERE integration_id = ?",
            (self.integration_id,),
        )
        return row["last_webhook_at"] if row else None

    def open_issues(self) -> list[dict[str, Any]]:
        response = self.api.get(f"/integrations/{self.integration_id}/debug-status/")
        assert response.status_code == 200, response.text
        issues: list[dict[str, Any]] = response.json()["open_issues"]
        return issues


def test_running_workers_look_for_silence_as_the_clock_moves(
    watched: Connected, quiet: Services, clock: ManualClock
) -> None:
    api = watched.api
    site = api.create_site(name="Hooked", url="https://hooked.example.com")
    hooked = Hooked(api, site["api_key"], api.create_integration(site["id"])["id"])
    hooked.deliver(1)
    clock.woken.append(quiet.sync_workers.wake)
    quiet.sync_workers.start()
    clock.advance(SILENT_AFTER + 120)
    (issue,) = wait_until(hooked.open_issues)
    assert issue["kind"] == "webhooks_silent"


def kinds_open(settings: Settings, account_id: str, integration_id: str) -> dict[str, list[str]]:
    """`open_kinds` through the request path's reads, as the console asks it."""

    async def ask() -> dict[str, list[str]]:
        reads = reads_for(settings)
        await reads.open()
        try:
            return await open_kinds(reads, account_id, [integration_id])
        finally:
            await reads.close()

    return asyncio.run(ask())
