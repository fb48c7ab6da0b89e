"""The one-minute schedule again, with three worker processes sharing a test clock (a file):
five minutes give exactly five runs, each requested once whichever process saw it first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http.app import create_app
from tests.conftest import Api, count_events, make_settings
from tests.sync.clocked_worker import FileClock
from tests.sync.conftest import FAST_SYNCS, Connected, wait_until
from tests.sync.test_schedules import finished_runs, put_schedule
from tests.wordpress_site import WordPressSite

WORKER_ENV = {
    "INTEGRATIONS_ALLOW_PRIVATE_NETWORK": "true",
    "INTEGRATIONS_SYNC_LEASE": "5",
    "INTEGRATIONS_SYNC_POLL_INTERVAL": "0.1",
    "INTEGRATIONS_DB_POOL_SIZE": "2",
    "INTEGRATIONS_HTTP_RETRIES": "1",
    "INTEGRATIONS_LOG_LEVEL": "WARNING",
}


class MovableClock(FileClock):
    def advance(self, seconds: float) -> None:
        """Replaced at once (a rename), so a worker never reads half a time."""
        moved = self.path.with_suffix(".new")
        moved.write_text((self.now() + timedelta(seconds=seconds)).isoformat())
        os.replace(moved, self.path)


@pytest.fixture
def file_clock(tmp_path: Path) -> MovableClock:
    path = tmp_path / "clock.txt"
    path.write_text(datetime.now(UTC).isoformat())
    return MovableClock(path)


@pytest.fixture
def projecting(database_url: str, tmp_path: Path, file_clock: MovableClock) -> Iterator[Services]:
    """This process serves the API and projects; it runs no sync worker."""
    built = Services(make_settings(database_url, tmp_path, **FAST_SYNCS), clock=file_clock)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def worker_processes(
    projecting: Services, tmp_path: Path, file_clock: MovableClock
) -> Iterator[list[subprocess.Popen[bytes]]]:
    settings = projecting.settings
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")},
        **WORKER_ENV,
        "INTEGRATIONS_DATABASE_URL": settings.database_url,
        "INTEGRATIONS_VAR_DIR": settings.var_dir,
        "INTEGRATIONS_JWT_SECRET": settings.jwt_secret,
        "INTEGRATIONS_MASTER_KEYS": settings.master_keys,
    }
    processes = []
    for n in range(3):
        with (tmp_path / f"worker{n}.err").open("w") as err:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.sync.clocked_worker", str(file_clock.path)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            )
    for n in range(3):
        wait_until(
            lambda n=n: "running sync workers" in (tmp_path / f"worker{n}.err").read_text(),
            timeout=60,
        )
    projecting.projection_follower.start()
    try:
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)


@pytest.fixture
def scheduled(
    projecting: Services, site: WordPressSite, worker_processes: list[Any]
) -> Iterator[Connected]:
    with TestClient(create_app(projecting, manage_lifecycle=False)) as client:
        yield Connected(Api(client, projecting, account_id="acc"), site)


def test_three_worker_processes_make_one_run_per_due_minute(
    scheduled: Connected,
    projecting: Services,
    file_clock: MovableClock,
) -> None:
    integration_id = scheduled.integration["id"]
    put_schedule(scheduled, every="1m")
    for minute in range(1, 6):
        file_clock.advance(60)
        wait_until(lambda m=minute: len(finished_runs(projecting, integration_id)) == m, timeout=60)
    assert [r["status"] for r in finished_runs(projecting, integration_id)] == ["success"] * 5
    assert count_events(projecting, "sync.requested") == 5
    assert count_events(projecting, "sync.claimed") == 5

    put_schedule(scheduled, every="1m", paused=True)
    file_clock.advance(180)
    assert projecting.sync_workers.scheduler.request_due() == 0
    put_schedule(scheduled, every="1m", paused=False)
    wait_until(lambda: len(finished_runs(projecting, integration_id)) == 6, timeout=60)
    assert count_events(projecting, "sync.requested") == 6
