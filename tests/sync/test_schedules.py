"""Schedules: due runs are requested exactly once per due time by any number of workers;
pausing stops them, resuming starts one at once. The workers share a test clock, so five
minutes of schedule take a moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.aggregates.time import iso
from app.bootstrap import Services
from app.http.app import create_app
from app.projections.sync_runs import RUNS
from app.sync.scheduler import scheduled_run_id
from tests.conftest import Api, count_events, make_settings
from tests.sync.conftest import FAST_SYNCS, Connected, ManualClock, wait_until
from tests.wordpress_site import WordPressSite


@pytest.fixture
def workers(database_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[list[Services]]:
    """Three independent workers (own pools, own dispatchers) on one database; the first
    also runs the projections and serves the API."""
    built = [
        Services(make_settings(database_url, tmp_path, **FAST_SYNCS), clock=clock) for _ in range(3)
    ]
    built[0].projection_follower.start()
    for services in built:
        clock.woken.append(services.sync_workers.wake)
        services.sync_workers.start()
    try:
        yield built
    finally:
        for services in built:
            services.close()


@pytest.fixture
def scheduled(workers: list[Services], site: WordPressSite) -> Iterator[Connected]:
    with TestClient(create_app(workers[0], manage_lifecycle=False)) as client:
        yield Connected(Api(client, workers[0], account_id="acc"), site)


def finished_runs(services: Services, integration_id: str) -> list[dict[str, Any]]:
    return services.db.all(
        f"SELECT * FROM {RUNS} WHERE integration_id = ? AND finished_at"
        " IS NOT NULL ORDER BY requested_at",
        (integration_id,),
    )


def put_schedule(connected: Connected, **body: Any) -> Any:
    response = connected.api.request(
        "PUT", connected.path + "schedule/", json={"direction": "metadata", **body}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_every_minute_for_five_minutes_is_five_runs_then_pause_and_resume(
    scheduled: Connected,
    workers: list[Services],
    clock: ManualClock,
) -> None:
    services, integration_id = workers[0], scheduled.integration["id"]
    start = clock.now()
    schedule = put_schedule(scheduled, every="1m")
    assert schedule["next_run_at"] is not None
    for minute in range(1, 6):
        clock.advance(60)
        wait_until(lambda m=minute: len(finished_runs(services, integration_id)) == m)
    runs = finished_runs(services, integration_id)
    assert [r["status"] for r in runs] == ["success"] * 5
    dues = [scheduled.get(f"syncs/{r['sync_id']}/")["sync_id"] for r in runs]
    assert count_events(services, "sync.requested") == 5
    assert count_events(services, "sync.started") == 5
    expected = [
        str(scheduled_run_id(integration_id, iso(start + timedelta(minutes=m))))
        for m in range(1, 6)
    ]
    assert dues == expected
    assert scheduled.get("sync-status/")["next_run_at"] == iso(start + timedelta(minutes=6))

    paused = put_schedule(scheduled, every="1m", paused=True)
    assert paused["next_run_at"] is None and paused["paused"] is True
    clock.advance(180)
    assert sum(w.sync_workers.scheduler.request_due() for w in workers) == 0
    assert count_events(services, "sync.requested") == 5

    put_schedule(scheduled, every="1m", paused=False)  # the clock does not move
    wait_until(lambda: len(finished_runs(services, integration_id)) == 6)
    assert count_events(services, "sync.requested") == 6


def test_sync_disabled_stops_the_schedule_and_enabling_starts_a_run(
    scheduled: Connected,
    workers: list[Services],
    clock: ManualClock,
) -> None:
    services, integration_id = workers[0], scheduled.integration["id"]
    put_schedule(scheduled, every="15m")
    scheduled.api.patch(scheduled.path, json={"sync_enabled": False})
    assert scheduled.get("sync-status/")["next_run_at"] is None
    clock.advance(3600)
    assert sum(w.sync_workers.scheduler.request_due() for w in workers) == 0
    scheduled.api.patch(scheduled.path, json={"sync_enabled": True})
    wait_until(lambda: len(finished_runs(services, integration_id)) == 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"direction": "metadata"}, "every"),
        ({"direction": "metadata", "every": "1m", "cron": "* * * * *"}, "every"),
        ({"direction": "metadata", "every": "5 minutes"}, "every"),
        ({"direction": "metadata", "cron": "61 * * * *"}, "cron"),
        ({"direction": "to_external", "every": "1h"}, "direction"),
    ],
)
def test_bad_schedules_are_400(scheduled: Connected, body: dict[str, Any], field: str) -> None:
    response = scheduled.api.request("PUT", scheduled.path + "schedule/", json=body)
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_cron_schedule_and_its_removal(scheduled: Connected) -> None:
    schedule = put_schedule(scheduled, cron="*/30  * * * *", direction="reconcile")
    assert (schedule["cron"], schedule["every"]) == ("*/30 * * * *", None)
    assert schedule["next_run_at"][14:19] in ("00:00", "30:00")
    assert scheduled.api.delete(scheduled.path + "schedule/").status_code == 204
    assert scheduled.api.get(scheduled.path + "schedule/").status_code == 404
    assert scheduled.get("sync-status/")["next_run_at"] is None
