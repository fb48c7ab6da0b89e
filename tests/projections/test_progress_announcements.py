"""What a runner's announcement wakes: writes that wait for it always, the sync workers only
when the batch changed what they look at (their queue or the schedules)."""

from __future__ import annotations

import pytest

from app.bootstrap import Services
from tests.conftest import Api
from tests.processes import wait_until


@pytest.fixture
def woken(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(services.sync_workers, "wake", lambda *_: calls.append(1))
    return calls


def test_a_batch_of_webhooks_does_not_wake_the_sync_workers(
    services: Services,
    woken: list[int],
) -> None:
    services._announced("5:sites_v1_g1,sync_queue_v1_g1;event_feed,sync_event_log")
    assert woken == []
    assert services.read_side.progress.position_of("sites_v1_g1") == 5  # writers still hear it


def test_a_batch_that_changed_the_queue_or_the_schedules_wakes_them(
    services: Services,
    woken: list[int],
) -> None:
    services._announced("6:sync_queue_v1_g1;sync_event_log,sync_queue")
    services._announced("7:sync_queue_v1_g1;sync_schedules")
    assert len(woken) == 2


def test_an_announcement_that_does_not_say_what_changed_wakes_them(
    services: Services,
    woken: list[int],
) -> None:
    services._announced("8:sync_queue_v1_g1")  # a runner of an earlier release
    assert len(woken) == 1


def test_a_webhook_applied_in_this_process_does_not_wake_them_and_a_sync_request_does(
    api: Api,
    services: Services,
    woken: list[int],
) -> None:
    site = api.create_site()
    integration = api.create_integration(site["id"])
    wait_until(lambda: woken, 5, "the new integration's schedule row to wake them")
    told: list[set[str]] = []  # told after the sync workers' listener, batch by batch
    services.read_side.progress.listeners.append(lambda changed: told.append(changed or set()))
    woken.clear()
    delivered = api.client.post(
        "/api/v1/integration/webhooks/wordpress/status/",
        json={"post_id": 1, "status": "publish"},
        headers={"X-Api-Key": site["api_key"], "webhook-id": "d-1"},
    )
    assert delivered.status_code == 200, delivered.text
    wait_until(lambda: any("webhook_watch" in c for c in told), 5, "the webhook's batch")
    assert woken == []
    requested = api.post(f"/integrations/{integration['id']}/sync", json={"direction": "metadata"})
    assert requested.status_code == 202, requested.text
    assert woken
