"""Throttling, scope `integration`: 429 with Retry-After, per principal, shared via Redis."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from app.bootstrap import Services
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
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("INTEGRATIONS_TEST_REDIS_REQUIRED"):
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    settings = make_settings(database_url, tmp_path, rate_limit="4/minute", redis_url=REDIS_URL)
    services = Services(settings)
    user = f"user-{uuid.uuid4().hex}"
    try:
        with TestClient(create_app(services)) as one, TestClient(create_app(services)) as two:
            worker_one = Api(one, services, account_id="acc", user_id=user)
            worker_two = Api(two, services, account_id="acc", user_id=user)
            statuses = [w.get("/integrations/").status_code
                        for w in (worker_one, worker_two, worker_one, worker_two, worker_one)]
    finally:
        services.close()
    assert statuses == [200, 200, 200, 200, 429]
