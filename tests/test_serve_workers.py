"""`integrations serve --workers 2` on PostgreSQL, as deployed: `/metrics` adds up every
worker's counters (prometheus-client multiprocess mode) and every worker logs JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.identity import Tokens
from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, reset_postgres
from tests.server_process import ServerProcess
from tests.wordpress_site import APP_PASSWORD, WordPressSite

LIVE = {"method": "GET", "path": "/health/live", "status_code": "200", "app_name": "integrations"}
REQUESTS = 24


def scrape(base_url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def synced_integration(base_url: str, site: WordPressSite) -> None:
    """A site, its WordPress integration and one metadata sync, through the API."""
    token = Tokens(JWT_SECRET).issue(account_id="acct", user_id="owner", role="owner")
    api = httpx.Client(
        base_url=f"{base_url}/api/v1/integration",
        timeout=60,
        headers={"Authorization": f"Bearer {token}"},
    )
    with api:
        created = api.post("/sites/", json={"name": "Blog", "url": site.base_url}).json()
        integration = api.post(
            "/integrations/",
            json={
                "site_id": created["id"],
                "platform": "wordpress",
                "credentials_json": {
                    "api_key": "plugin-key-0001",
                    "username": "admin",
                    "app_password": APP_PASSWORD,
                },
            },
        ).json()
        run = api.post(
            f"/integrations/{integration['id']}/sync/?wait=30", json={"direction": "metadata"}
        )
        assert run.status_code == 200 and run.json()["status"] == "success", run.text


@pytest.mark.postgres
def test_two_workers_count_together_and_log_json(
    postgres_database: DatabaseURL,
    tmp_path: Path,
    site: WordPressSite,
) -> None:
    reset_postgres(postgres_database)
    server = ServerProcess(
        tmp_path,
        postgres_database.url(),
        workers=2,
        log_format="json",
        allow_private_network="true",
    )
    with server:
        before = scrape(server.base_url)
        for n in range(REQUESTS):  # a new connection each time, so both workers can answer
            assert (
                httpx.get(
                    f"{server.base_url}/health/live", headers={"X-Request-ID": f"live-{n}"}
                ).status_code
                == 200
            )
        synced_integration(server.base_url, site)
        scrapes = [scrape(server.base_url) for _ in range(4)]
    for after in scrapes:  # whichever worker answered the scrape, it saw all the traffic
        moved = value(after, "integrations_http_requests_total", **LIVE) - value(
            before, "integrations_http_requests_total", **LIVE
        )
        assert moved == REQUESTS
        assert (
            value(after, "integrations_sync_runs_total", direction="metadata", outcome="success")
            == 1
        )
        assert value(after, "integrations_sync_run_duration_seconds_count", outcome="success") == 1
        assert (
            value(after, "integrations_outbound_requests_total", platform="wordpress", result="2xx")
            >= 3
        )  # discovery, types, taxonomies
        assert (
            value(after, "integrations_commands_total", command="CreateIntegration", outcome="ok")
            == 1
        )
        assert (
            value(after, "integrations_projection_lag_events", projection="integration_summaries")
            >= 0
        )
    lines = [json.loads(line) for line in server.logs().splitlines()]  # every line is JSON
    started = {
        line["pid"] for line in lines if line["message"].startswith("Started server process")
    }
    assert len(started) == 2 and server.process and server.process.pid not in started
    served = {
        line["request_id"]: line["pid"]
        for line in lines
        if line["logger"] == "app.http.access" and line.get("request_id", "").startswith("live-")
    }
    assert len(served) == REQUESTS and set(served.values()) <= started
