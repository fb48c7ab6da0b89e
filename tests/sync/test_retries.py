"""Transient failures are attempted again (backoff, Retry-After); permanent ones are not, and
a schedule pauses itself after a credential rejection or too many failed runs."""

from __future__ import annotations

from typing import Any

import pytest

from app.aggregates.time import parse_iso
from tests.conftest import count_events
from tests.sync.conftest import FAST_SYNCS, Connected

TYPES = "/wp/v2/types"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_SYNCS, "sync_attempts": 3, "sync_auto_pause_after": 2}


def test_503_twice_then_200_is_one_run_of_three_attempts(connected: Connected) -> None:
    connected.site.fail_next(503, 503, route=TYPES)
    run = connected.sync("metadata")
    assert (run["status"], run["attempt"], run["next_retry_at"]) == ("success", 3, None)
    services = connected.api.services
    assert count_events(services, "sync.requested") == 1
    assert count_events(services, "sync.started") == 1
    assert count_events(services, "sync.retry_scheduled") == 2
    assert count_events(services, "sync.claimed") == 3
    assert connected.site.count("GET", TYPES) == 3
    retries = connected.get("sync-events/?event_type=sync")["results"]
    scheduled = [e for e in retries if e["action"] == "retry_scheduled"]
    assert [e["details"]["attempt"] for e in scheduled] == [2, 1]
    assert all("503" in e["error_message"] for e in scheduled)


def test_retry_after_is_a_floor_for_the_next_attempt(connected: Connected) -> None:
    connected.site.fail_next(429, route=TYPES, retry_after="1")
    run = connected.sync("metadata")
    assert (run["status"], run["attempt"]) == ("success", 2)
    scheduled = connected.get("sync-events/?event_type=sync")["results"]
    retry = next(e for e in scheduled if e["action"] == "retry_scheduled")
    waited = parse_iso(retry["details"]["next_retry_at"]) - parse_iso(retry["created_at"])
    assert waited.total_seconds() >= 0.99


def test_the_attempts_run_out(connected: Connected) -> None:
    connected.site.fail_next(503, 503, 503, route=TYPES)
    run = connected.sync("metadata")
    assert (run["status"], run["attempt"]) == ("failed", 3)
    assert "503" in run["error"]
    assert connected.get("sync-status/")["sync_status"] == "failed"


def test_a_credential_rejection_is_not_retried_and_pauses_the_schedule(
    connected: Connected,
) -> None:
    put = connected.api.request(
        "PUT", connected.path + "schedule/", json={"direction": "metadata", "every": "1h"}
    )
    assert put.status_code == 200, put.text
    connected.site.fail_next(401, route=TYPES)
    run = connected.sync("metadata")
    assert (run["status"], run["attempt"]) == ("failed", 1)
    assert count_events(connected.api.services, "sync.retry_scheduled") == 0
    schedule = connected.get("schedule/")
    assert schedule["paused"] is True and schedule["next_run_at"] is None
    assert "401/403" in schedule["paused_reason"]
    debug = connected.get("debug-status/")
    assert debug["schedule_paused_reason"] == schedule["paused_reason"]
    assert debug["health"] == "failing"


def test_the_schedule_pauses_after_the_configured_number_of_failed_runs(
    connected: Connected,
) -> None:
    connected.api.request(
        "PUT", connected.path + "schedule/", json={"direction": "metadata", "every": "1h"}
    )
    connected.site.mode = "not_wordpress"
    assert connected.sync("metadata")["status"] == "failed"
    assert connected.get("schedule/")["paused"] is False
    assert connected.sync("metadata")["attempt"] == 1
    schedule = connected.get("schedule/")
    assert schedule["paused"] is True and "2 runs in a row failed" in schedule["paused_reason"]
    resumed = connected.api.request(
        "PUT", connected.path + "schedule/", json={"direction": "metadata", "every": "1h"}
    ).json()
    assert (resumed["paused"], resumed["paused_reason"]) == (False, None)
