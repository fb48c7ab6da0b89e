"""Cancelling a run: a running one stops at its next checkpoint, a waiting one at once; the
integration can sync again straight away."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import count_events
from tests.sync.conftest import FAST_SYNCS, Connected, wait_until

ITEMS = [
    {
        "content_id": f"c-{n}",
        "title": f"Item {n}",
        "content": "x",
        "status": "publish",
        "post_type": "post",
    }
    for n in range(10)
]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return FAST_SYNCS


def test_a_running_sync_stops_at_its_next_checkpoint(connected: Connected) -> None:
    connected.site.delay = 0.2
    started = connected.api.post(
        f"{connected.path}sync/", json={"direction": "to_external", "items": ITEMS}
    ).json()
    run_path = f"syncs/{started['sync_id']}/"
    wait_until(lambda: connected.get(run_path)["counts"].get("pushed", 0) >= 2)
    cancel = connected.api.post(f"{connected.path}{run_path}cancel/")
    assert cancel.status_code in (200, 202), cancel.text
    run = wait_until(lambda: (r := connected.get(run_path))["status"] == "cancelled" and r)
    assert run["counts"]["pushed"] < len(ITEMS) and run["finished_at"]
    assert connected.site.count("POST", "/wp/v2/posts") == run["counts"]["pushed"]
    status = connected.get("sync-status/")
    assert status["current_run"] is None and status["sync_status"] == "never_synced"
    again = connected.api.post(f"{connected.path}sync/", json={"direction": "metadata"})
    assert again.status_code == 202, again.text
    log = connected.get("sync-events/?event_type=sync")["results"]
    assert {"cancel_requested", "cancelled"} <= {e["action"] for e in log}


def test_a_run_no_worker_has_taken_is_cancelled_at_once(connected: Connected) -> None:
    connected.api.services.sync_workers.stop()
    started = connected.api.post(f"{connected.path}sync/", json={"direction": "metadata"})
    sync_id = started.json()["sync_id"]
    cancel = connected.api.post(f"{connected.path}syncs/{sync_id}/cancel/")
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    assert count_events(connected.api.services, "sync.started") == 0
    again = connected.api.post(f"{connected.path}syncs/{sync_id}/cancel/")
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"


def test_cancelling_another_accounts_run_is_404(connected: Connected, other_api: Any) -> None:
    run = connected.sync("metadata")
    response = other_api.post(f"{connected.path}syncs/{run['sync_id']}/cancel/")
    assert response.status_code == 404
    unknown = connected.api.post(f"{connected.path}syncs/not-a-uuid/cancel/")
    assert unknown.status_code == 404
