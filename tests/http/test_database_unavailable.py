"""When PostgreSQL goes away the service degrades: 503 with Retry-After within a second,
readiness within a second, never a 500; and full service again within seconds of its return.
An exhausted pool is the same 503, and never kills a worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http.app import create_app
from app.settings import DatabaseURL
from tests.conftest import Api, make_settings, reset_postgres
from tests.processes import wait_until
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(postgres_database: DatabaseURL) -> Iterator[TcpProxy]:
    reset_postgres(postgres_database)
    params = postgres_database.params
    running = TcpProxy((params.get("host", "127.0.0.1"), int(params.get("port", 5432))))
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def proxied(proxy: TcpProxy, postgres_database: DatabaseURL, tmp_path: Path) -> Iterator[Services]:
    url = DatabaseURL(kind="postgres", params={**postgres_database.params, "port": str(proxy.port)})
    services = Services(make_settings(url.url(), tmp_path, read_your_writes_timeout=5.0))
    try:
        yield services
    finally:
        services.close()


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_lost_database_is_503_within_a_second_and_service_returns(
    proxied: Services, proxy: TcpProxy
) -> None:
    with TestClient(create_app(proxied), raise_server_exceptions=False) as client:
        api = Api(client, proxied, account_id="acc")
        api.create_site()
        proxy.cut()
        for _ in range(3):  # broken pooled connections, then no connection at all
            response, took = timed(lambda: api.get("/sites/"))
            assert response.status_code == 503 and took < 1.0, (response.text, took)
            assert response.headers["retry-after"]
            assert response.json()["type"] == "/problems/service-unavailable"
        ready, took = timed(lambda: client.get("/health/ready"))
        assert ready.status_code == 503 and took < 1.0
        proxy.restore()
        wait_until(lambda: api.get("/sites/").status_code == 200, 10, "service to return")
        created = api.post("/sites/", json={"name": "After", "url": "https://after.example"})
        assert created.status_code == 201
        names = [s["name"] for s in api.get("/sites/").json()["results"]]
        assert "After" in names
        assert client.get("/health/ready").status_code == 200


def test_an_exhausted_pool_answers_503_and_the_worker_lives_on(
    postgres_database: DatabaseURL, tmp_path: Path
) -> None:
    reset_postgres(postgres_database)
    services = Services(make_settings(postgres_database.url(), tmp_path, db_pool_size=1))
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_connection() -> None:
        with services.db.transaction():
            holding.set()
            release.wait(10)

    try:
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            api = Api(client, services, account_id="acc")
            api.create_site()
            holder = threading.Thread(target=hold_the_only_connection)
            holder.start()
            holding.wait(5)
            response, took = timed(
                lambda: api.post(
                    "/sites/",
                    json={  # writes take the pool
                        "name": "Waits",
                        "url": "https://waits.example",
                    },
                )
            )
            read = api.get("/sites/")  # reads have a pool of their own
            release.set()
            holder.join()
            assert response.status_code == 503 and took < 1.0
            assert response.headers["retry-after"]
            assert read.status_code == 200
            assert (
                api.post(
                    "/sites/", json={"name": "After", "url": "https://after.example"}
                ).status_code
                == 201
            )
    finally:
        services.close()
