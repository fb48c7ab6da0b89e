"""The console in a real headless Chromium against a real server: sign in with a token, see
the list, open an integration, filter its timeline to webhooks (signed deliveries sent through
the API) and see its webhook log, filter its SyncEvent log, watch a sync's progress reach
`success`, schedule it, pause and resume the schedule, and meet a 404 page as an editor of
another account. A screenshot of each page lands in `var/screenshots/` (CI keeps them)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from app.identity import Tokens
from app.projections import read_models
from tests.chromium import chromium, outside, screenshot
from tests.conftest import JWT_SECRET
from tests.server_process import ServerProcess
from tests.wordpress_site import APP_PASSWORD, WordPressSite

TOKENS = Tokens(JWT_SECRET)
SECRET = "whsec_" + base64.b64encode(b"console-browser-secret-24").decode()


def deliver(base_url: str, api_key: str, n: int, secret: str = SECRET) -> httpx.Response:
    """A status webhook as the plugin sends it: the site's key, signed (Standard Webhooks)."""
    body = json.dumps({"post_id": n, "status": "publish"})
    now = datetime.now(UTC)
    return httpx.post(
        f"{base_url}/api/v1/integration/webhooks/wordpress/status/",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Api-Key": api_key,
            "webhook-id": f"msg_{n}",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(f"msg_{n}", now, body),
        },
    )


def prepared(base_url: str, site: WordPressSite) -> dict[str, Any]:
    """Account A's WordPress integration, tested once and sent two signed webhooks and one
    with a wrong signature (API calls)."""
    owner = TOKENS.issue(account_id="account-a", user_id="owner", role="owner")
    with httpx.Client(
        base_url=f"{base_url}/api/v1/integration",
        timeout=30,
        headers={"Authorization": f"Bearer {owner}"},
    ) as api:
        blog = api.post("/sites/", json={"name": "Blog", "url": site.base_url}).json()
        integration: dict[str, Any] = api.post(
            "/integrations/",
            json={
                "site_id": blog["id"],
                "platform": "wordpress",
                "credentials_json": {
                    "api_key": "plugin-key-0001",
                    "username": "admin",
                    "app_password": APP_PASSWORD,
                    "webhook_secret": SECRET,
                },
            },
        ).json()
        tested = api.post(f"/integrations/{integration['id']}/test-connection/")
        assert tested.json()["success"] is True, tested.text
    for n in (1, 2):  # the plugin's deliveries carry the site's key, no user token
        hook = deliver(base_url, blog["api_key"], n)
        assert hook.status_code == 200, hook.text
    forged = deliver(base_url, blog["api_key"], 3, secret="whsec_" + "A" * 32)
    assert forged.status_code == 401, forged.text
    return integration


def sign_in(page: Page, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/console/")
    expect(page).to_have_url(f"{base_url}/console/login?next=%2Fconsole")
    page.fill("#token", token)
    page.click("form.login button[type=submit]")


def test_an_operator_follows_an_integration_in_the_console(
    tmp_path: Path,
    site: WordPressSite,
) -> None:
    server = ServerProcess(
        tmp_path, f"sqlite:///{tmp_path / 'integrations.db'}", allow_private_network="true"
    )
    with server, chromium() as browser:
        base = server.base_url
        integration = prepared(base, site)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        strays = outside(page, base)
        sign_in(page, base, TOKENS.issue(account_id="account-a", user_id="ed", role="editor"))
        expect(page.locator("#integrations")).to_contain_text(integration["id"])
        expect(page.locator("#integrations .badge")).to_have_text("healthy")
        screenshot(page, "01-integrations")

        page.click(f"a[href='/console/integrations/{integration['id']}']")
        expect(page.locator("#sync-log tr.entry")).to_have_count(4)  # created, test, 2 hooks
        expect(page.locator("#timeline tr.entry.integration_slot")).to_have_count(1)
        screenshot(page, "02-integration")

        page.select_option("#timeline-source", "webhook")
        expect(page).to_have_url(
            f"{base}/console/integrations/{integration['id']}?timeline=webhook"
        )
        hooks = page.locator("#timeline tr.entry")
        expect(hooks).to_have_count(2)  # the forged delivery is no event
        expect(page.locator("#timeline tr.entry.webhook_delivery")).to_have_count(2)
        expect(hooks.first).to_contain_text("integration.webhook_received")
        expect(hooks.first).to_contain_text("webhook msg_2: post 2 status publish")
        expect(page.locator("#webhook-attempts tr.attempt")).to_have_count(3)
        expect(page.locator("#webhook-attempts tr.attempt").first).to_contain_text("bad_signature")
        expect(page.locator("#webhook-attempts tr.attempt.accepted")).to_have_count(2)
        screenshot(page, "03-timeline-webhooks")

        page.select_option("#event-type", "webhook")
        expect(page).to_have_url(
            f"{base}/console/integrations/{integration['id']}?event_type=webhook"
        )
        expect(page.locator("#sync-log tr.entry")).to_have_count(2)
        expect(page.locator("#sync-log tr.entry.webhook")).to_have_count(2)
        screenshot(page, "03b-sync-log-webhooks")

        site.gate.clear()  # WordPress holds its answers: the run shows as running
        page.select_option("#sync-runs select[name=direction]", "from_external")
        page.click("#sync-runs button[type=submit]")
        page.wait_for_load_state("load")
        status = page.locator("#runs .run-status").first
        expect(status).to_have_text("running")
        screenshot(page, "04-sync-running")
        loads = []
        page.on("load", lambda _: loads.append(page.url))
        site.gate.set()
        expect(status).to_have_text("success", timeout=30_000)  # htmx polling, no reload
        assert loads == []
        expect(page.locator("#runs tr").nth(1)).to_contain_text("pulled")
        screenshot(page, "05-sync-success")

        schedule = page.locator("#schedule")
        expect(schedule).to_contain_text("No schedule")
        schedule.locator("input[name=every]").fill("1h")
        schedule.locator("button[type=submit]").click()
        state = page.locator("#schedule .schedule-state")
        expect(state).to_have_text("active")
        expect(schedule).to_contain_text("metadata every 1h")
        screenshot(page, "06-schedule")
        page.locator("#schedule button[type=submit]").click()
        expect(state).to_have_text("paused")
        expect(page.locator("#schedule button[type=submit]")).to_have_text("Resume")
        expect(schedule).to_contain_text("next run —")  # a paused schedule starts nothing
        screenshot(page, "07-schedule-paused")
        page.locator("#schedule button[type=submit]").click()
        expect(state).to_have_text("active")
        expect(page.locator("#schedule button[type=submit]")).to_have_text("Pause")

        page.goto(f"{base}/console/projections/")
        assert page.locator("h1").inner_text() == "403 · Forbidden"  # editors: no
        assert strays == []

        other = browser.new_page()
        sign_in(other, base, TOKENS.issue(account_id="account-b", user_id="eve", role="editor"))
        expect(other.locator("#integrations")).to_contain_text("No integrations match")
        answer = other.goto(f"{base}/console/integrations/{integration['id']}")
        assert answer is not None and answer.status == 404
        expect(other.locator("h1")).to_have_text("404 · Not found")
        screenshot(other, "08-other-account-404")


def test_an_admin_sees_projection_positions(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, f"sqlite:///{tmp_path / 'integrations.db'}")
    with server, chromium() as browser:
        page = browser.new_page()
        strays = outside(page, server.base_url)
        sign_in(
            page, server.base_url, TOKENS.issue(account_id="account-a", user_id="ad", role="admin")
        )
        page.goto(f"{server.base_url}/console/projections/")
        expect(page.locator("#projections tbody tr")).to_have_count(len(read_models()))
        screenshot(page, "07-projections")
        page.goto(f"{server.base_url}/schema")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Integrations Service")
        screenshot(page, "08-schema")
        assert strays == []
