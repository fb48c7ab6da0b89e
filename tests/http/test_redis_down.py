"""Redis gone mid-test (a private `redis-server` on a free loopback port, never the shared
one): no 500, in-process limits with one warning, readiness says degraded, and throttling
is shared again once Redis is back."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http import throttle
from app.http.app import create_app
from tests.conftest import Api, make_settings


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _until(self._answers)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_throttling_degrades_to_in_process_limits_and_recovers(
    private_redis: PrivateRedis,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(throttle, "RETRY_SECONDS", 0.2)
    settings = make_settings(
        database_url, tmp_path, rate_limit="3/minute", redis_url=private_redis.url
    )
    services = Services(settings)
    try:
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            user = Api(client, services, account_id="acc")
            assert _ready(client)["throttling"] == "redis"
            assert user.get("/integrations/").status_code == 200  # one count in Redis
            private_redis.kill()
            with caplog.at_level(logging.WARNING, logger="app.http.throttle"):
                statuses = [user.get("/integrations/").status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]  # a fresh in-process window of three
            warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
            assert len(warnings) == 1
            ready = client.get("/health/ready")
            assert ready.status_code == 200 and ready.json()["throttling"] == "degraded"
            private_redis.start()
            _until(lambda: _ready(client)["throttling"] == "redis")
            other = Api(client, services, account_id="acc", user_id="second")
            assert [other.get("/integrations/").status_code for _ in range(4)] == [
                200,
                200,
                200,
                429,
            ]
            assert redis.Redis.from_url(private_redis.url).dbsize() > 0  # counted in Redis
    finally:
        services.close()


def _ready(client: TestClient[Any]) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/health/ready").json()
    return body


def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
