"""Debug status: health by a documented rule, 24 h counters, stuck runs, recent entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from app.queries.debug_status import DebugStatus, debug_status
from app.reads import reads_for
from tests.sync.conftest import Connected


def test_a_fresh_integration_is_unknown(connected: Connected) -> None:
    status = connected.get("debug-status/")
    assert status["health"] == "unknown"
    assert status["counters"] == {
        "events_total": 1,
        "sync_success_24h": 0,
        "sync_failed_24h": 0,
        "webhooks_24h": 0,
        "connection_tests_24h": 0,
    }
    assert status["projection"]["lag"] == 0 and status["projection"]["position"] > 0
    assert [e["action"] for e in status["recent_events"]] == ["created"]


def test_health_follows_outcomes(connected: Connected) -> None:
    connected.sync("metadata")
    assert connected.get("debug-status/")["health"] == "healthy"
    connected.site.mode = "rest_disabled"
    connected.sync("metadata")
    status = connected.get("debug-status/")
    assert (status["health"], status["consecutive_failures"]) == ("degraded", 1)
    assert status["last_error"] and status["last_failure_at"]
    connected.api.post(f"{connected.path}test-connection/")
    connected.sync("metadata")
    status = connected.get("debug-status/")
    assert (status["health"], status["consecutive_failures"]) == ("failing", 3)
    assert status["counters"]["sync_success_24h"] == 1
    assert status["counters"]["sync_failed_24h"] == 2
    assert status["counters"]["connection_tests_24h"] == 1
    connected.site.mode = "pretty"
    connected.sync("metadata")
    assert connected.get("debug-status/")["health"] == "healthy"


def test_recent_events_are_the_twenty_newest_log_entries(connected: Connected) -> None:
    for n in range(12):
        connected.api.patch(connected.path, json={"config_json": {"n": n}})
    status = connected.get("debug-status/")
    log = connected.get("sync-events/?limit=20")["results"]
    assert status["recent_events"] == log
    assert len(log) == 13 and status["counters"]["events_total"] == 13


def test_a_run_without_progress_is_flagged_stuck(connected: Connected) -> None:
    connected.site.delay = 1.0
    connected.api.post(f"{connected.path}sync/", json={"direction": "metadata"})
    services = connected.api.services
    account, integration_id = connected.api.account_id, connected.integration["id"]

    async def status(now: datetime | None = None) -> DebugStatus:
        reads = reads_for(services.settings)
        await reads.open()
        try:
            return await debug_status(
                reads,
                account_id=account,
                integration_id=integration_id,
                sync_timeout=300,
                live=services.read_side.progress.watched,
                head=services.events.head_sql,
                now=now,
            )
        finally:
            await reads.close()

    now = asyncio.run(status())
    later = asyncio.run(status(datetime.now(UTC) + timedelta(minutes=6)))
    assert (now.stuck_sync, now.health) == (False, "unknown")
    assert (later.stuck_sync, later.health) == (True, "failing")
