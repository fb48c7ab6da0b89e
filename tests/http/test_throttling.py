"""Throttling, scope `integration`: 429 with Retry-After, per principal, shared via Redis."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http import throttle
from app.http.app import create_app
from tests.conftest import Api, make_settings

REDIS_URL = os.environ.get("INTEGRATIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit": "5/minute"}


def test_sixth_request_in_a_minute_is_throttled(api: Api, other_api: Api) -> None:
    assert all(api.get("/integrations/").status_code == 200 for _ in range(5))
    throttled = api.get("/integrations/")
    assert throttled.status_code == 429
    assert throttled.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert other_api.get("/integrations/").status_code == 200


def test_redis_counts_are_shared_between_workers(database_url: str, tmp_path: Path) -> None:
    require_redis()
    settings = make_settings(database_url, tmp_path, rate_limit="4/minute", redis_url=REDIS_URL)
    services = Services(settings)
    user = f"user-{uuid.uuid4().hex}"
    try:
        with TestClient(create_app(services)) as one, TestClient(create_app(services)) as two:
            worker_one = Api(one, services, account_id="acc", user_id=user)
            worker_two = Api(two, services, account_id="acc", user_id=user)
            statuses = [
                w.get("/integrations/").status_code
                for w in (worker_one, worker_two, worker_one, worker_two, worker_one)
            ]
    finally:
        services.close()
    assert statuses == [200, 200, 200, 200, 429]


def test_workers_lease_shares_of_a_shared_window_and_never_exceed_its_limit(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_redis()
    now = time.time()  # one window throughout, whatever the wall clock does meanwhile
    monkeypatch.setattr(
        throttle, "time", SimpleNamespace(time=lambda: now, monotonic=time.monotonic)
    )
    settings = make_settings(database_url, tmp_path, rate_limit="200/hour", redis_url=REDIS_URL)
    services = Services(settings)
    user, asked = f"user-{uuid.uuid4().hex}", Counter[str]()
    try:
        with TestClient(create_app(services)) as one, TestClient(create_app(services)) as two:
            for name, client in (("one", one), ("two", two)):
                lease = client.app.state.throttle._lease

                async def counted(
                    *args: Any, _lease: Any = lease, _name: str = name, **kwargs: Any
                ) -> Any:
                    asked[_name] += 1
                    return await _lease(*args, **kwargs)

                client.app.state.throttle._lease = counted
            workers = [Api(c, services, account_id="acc", user_id=user) for c in (one, two)]
            statuses = [workers[n % 2].get("/integrations/").status_code for n in range(210)]
    finally:
        services.close()
    assert (statuses.count(200), statuses.count(429)) == (200, 10)
    assert statuses[:200] == [200] * 200  # both workers spent their shares to the last one
    assert asked["one"] + asked["two"] <= 210 // 2 + 2  # a share of two per trip, not one


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("INTEGRATIONS_TEST_REDIS_REQUIRED"):
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
