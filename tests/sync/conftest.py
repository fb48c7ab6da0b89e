"""A WordPress imitation on loopback and an integration connected to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Services
from tests.conftest import LOOPBACK_PLATFORMS, Api, make_settings
from tests.wordpress_site import APP_PASSWORD, WordPressSite

ONE_ATTEMPT = {**LOOPBACK_PLATFORMS, "sync_attempts": 1}
"""A failing site fails the run at once (retries have their own tests)."""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return ONE_ATTEMPT


class Connected:
    """An integration connected to the imitation site, and shortcuts to sync it."""

    def __init__(self, api: Api, site: WordPressSite, **credentials: Any) -> None:
        self.api, self.site = api, site
        owner_site = api.create_site(url=site.base_url)
        self.integration = api.create_integration(
            owner_site["id"],
            credentials_json={
                "api_key": "plugin-key-0001",
                "username": "admin",
                "app_password": APP_PASSWORD,
                **credentials,
            },
        )
        self.path = f"/integrations/{self.integration['id']}/"

    def sync(self, direction: str, wait: float = 15, **body: Any) -> dict[str, Any]:
        response = self.api.post(
            f"{self.path}sync/?wait={wait}", json={"direction": direction, **body}
        )
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        return run

    def get(self, suffix: str) -> Any:
        response = self.api.get(self.path + suffix)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def connected(api: Api, site: WordPressSite) -> Connected:
    return Connected(api, site)


FAST_SYNCS = {
    **LOOPBACK_PLATFORMS,
    "sync_poll_interval": 0.05,
    "sync_retry_wait": 0.05,
    "sync_retry_wait_max": 0.2,
    "sync_lease": 2.0,
}
"""Workers that look often and retry soon (tests of retries, schedules, takeovers)."""


def wait_until(condition: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll `condition` until it is true (and return it), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


class ManualClock:
    """The service clock, moved by the test; workers sharing it are woken when it moves."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)
        self._lock = threading.Lock()
        self.woken: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
        for wake in self.woken:
            wake()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clocked(database_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Services]:
    """Services on the test clock, with fast workers (started by the test)."""
    built = Services(make_settings(database_url, tmp_path, **FAST_SYNCS), clock=clock)
    clock.woken.append(built.sync_workers.wake)
    try:
        yield built
    finally:
        built.close()
