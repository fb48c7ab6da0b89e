"""Shared fixtures: the same suites run on SQLite and again on PostgreSQL.

PostgreSQL comes from INTEGRATIONS_TEST_POSTGRES_URL (default: the local cluster). When it
cannot be reached the PostgreSQL half is skipped, unless INTEGRATIONS_TEST_POSTGRES_REQUIRED
is set (CI), where that is a failure."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from app.bootstrap import Services
from app.http.app import create_app
from app.settings import DatabaseURL, Settings, load_settings
from tests.wordpress_site import WordPressSite

PG_URL = os.environ.get(
    "INTEGRATIONS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_REQUIRED = bool(os.environ.get("INTEGRATIONS_TEST_POSTGRES_REQUIRED"))
MASTER_KEY = "test1:" + base64.b64encode(b"k" * 32).decode()
LOOPBACK_PLATFORMS = {"allow_private_network": True, "http_timeout": 3.0, "http_retries": 1}
"""Settings for tests whose platforms are imitations on 127.0.0.1."""
JWT_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[DatabaseURL]:
    """A fresh database for this test session, dropped at the end."""
    admin = DatabaseURL.parse(PG_URL)
    try:
        conn = psycopg.connect(_conninfo(admin), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    name = f"integrations_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.with_dbname(name)
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture
def empty_postgres(postgres_database: DatabaseURL) -> Iterator[DatabaseURL]:
    """A database of its own, created empty for one test and dropped after it."""
    name = f"{postgres_database.dbname}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_conninfo(postgres_database), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_database.with_dbname(name)
    finally:
        with psycopg.connect(_conninfo(postgres_database), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_names(url: DatabaseURL) -> set[str]:
    with psycopg.connect(_conninfo(url)) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {str(row[0]) for row in rows}


def _conninfo(url: DatabaseURL) -> str:
    return url.conninfo()


def reset_postgres(url: DatabaseURL) -> None:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'integrations.db'}"
    url: DatabaseURL = request.getfixturevalue("postgres_database")
    reset_postgres(url)
    return url.url()


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    defaults: dict[str, Any] = {
        "database_url": database_url,
        "var_dir": str(tmp_path / "var"),
        "jwt_secret": JWT_SECRET,
        "master_keys": MASTER_KEY,
        "rate_limit": "100000/minute",
        "read_your_writes_timeout": 10.0,
        "snapshot_interval": 5,
        "db_pool_size": 4,
    }
    return load_settings({}, **(defaults | overrides))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its services."""
    return {}


@pytest.fixture
def services(
    database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]
) -> Iterator[Services]:
    built = Services(make_settings(database_url, tmp_path, **settings_overrides))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def site() -> Iterator[WordPressSite]:
    """A WordPress 6.1 imitation on loopback (pair it with LOOPBACK_PLATFORMS settings)."""
    with WordPressSite() as running:
        yield running


@pytest.fixture
def client(services: Services) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(services), raise_server_exceptions=False) as test_client:
        yield test_client


class Api:
    """A user of the API: their token, and shortcuts for the calls most tests make."""

    BASE = "/api/v1/integration"

    def __init__(
        self,
        client: TestClient[Any],
        services: Services,
        *,
        account_id: str,
        role: str = "owner",
        user_id: str | None = None,
        is_active: bool = True,
    ):
        self.client, self.services, self.account_id = client, services, account_id
        self.token = services.tokens.issue(
            account_id=account_id,
            role=role,
            user_id=user_id or f"user-{role}-{account_id}",
            is_active=is_active,
        )
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, self.BASE + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def create_site(self, name: str = "Blog", url: str = "https://blog.example.com") -> Any:
        response = self.post("/sites/", json={"name": name, "url": url})
        assert response.status_code == 201, response.text
        return response.json()

    def create_integration(self, site_id: str, platform: str = "wordpress", **body: Any) -> Any:
        payload = {"site_id": site_id, "platform": platform, **body}
        if platform == "wordpress":
            payload.setdefault("credentials_json", {"api_key": "wp-key-0123456789"})
        if platform == "shopify":
            payload.setdefault("config_json", {"shop_domain": "demo-shop.myshopify.com"})
            payload.setdefault("credentials_json", {"access_token": "shpat_0123456789"})
        response = self.post("/integrations/", json=payload)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(client: TestClient[Any], services: Services) -> Api:
    return Api(client, services, account_id="account-a")


@pytest.fixture
def other_api(client: TestClient[Any], services: Services) -> Api:
    return Api(client, services, account_id="account-b")


def count_events(services: Services, topic: str | None = None) -> int:
    table = "stored_events" if services.db.dialect == "sqlite" else "integrations_events"
    sql = f"SELECT COUNT(*) FROM {table}" + (" WHERE topic = ?" if topic else "")
    return int(services.db.value(sql, (topic,) if topic else ()))


def write_mixed_history(
    services: Services, *, sites: int = 5, account_id: str = "account-a", patches: int = 3
) -> list[str]:
    """Commands of every kind, written straight to the store (no projection wait); returns the
    ids of the integrations still alive."""
    from app.commands import (
        create_integration,
        create_site,
        delete_integration,
        rotate_site_api_key,
        update_integration,
    )
    from app.commands.context import Context
    from app.commands.dispatch import with_retries

    ctx = Context(account_id=account_id, actor="user:test", request_id="mixed")

    def run(handler: Any, command: Any) -> Any:
        return with_retries(lambda: handler(command, services.store, ctx))

    alive = []
    for n in range(sites):
        site = run(
            create_site.handle,
            create_site.CreateSite(name=f"Site {n}", url=f"https://site{n}.example.com"),
        ).site
        run(rotate_site_api_key.handle, rotate_site_api_key.RotateSiteApiKey(site_id=str(site.id)))
        for platform, body in (
            ("wordpress", {"credentials_json": {"api_key": f"key-{n}-abcdef"}}),
            ("custom", {}),
        ):
            integration = run(
                create_integration.handle,
                create_integration.CreateIntegration(
                    site_id=str(site.id), platform=platform, **body
                ),
            ).aggregate
            for p in range(patches):
                run(
                    update_integration.handle,
                    update_integration.UpdateIntegration(
                        integration_id=str(integration.id),
                        config_patch={"p": p},
                        is_active=p % 2 == 0,
                    ),
                )
            if n % 3 == 0 and platform == "custom":
                run(
                    delete_integration.handle,
                    delete_integration.DeleteIntegration(integration_id=str(integration.id)),
                )
            else:
                alive.append(str(integration.id))
    return alive


def live_targets(services: Services, models: list[Any] | None = None) -> list[Any]:
    """Where each read model's live generation is (optionally for other instances of the
    read models, e.g. with a patched handler)."""
    from app.projection_engine.runner import Target

    live = {t.model.name: t for t in services.read_side.live_targets()}
    if models is None:
        return list(live.values())
    return [Target(m, live[m.name].tracking, live[m.name].physical) for m in models]


def cli_env(monkeypatch: pytest.MonkeyPatch, services: Services) -> None:
    """Point the CLI (run in-process) at the same database and secrets as `services`."""
    settings = services.settings
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": settings.var_dir,
        "JWT_SECRET": settings.jwt_secret,
        "MASTER_KEYS": settings.master_keys,
    }.items():
        monkeypatch.setenv(f"INTEGRATIONS_{name}", value)


def fake_shopify(services: Services, shop: dict[str, Any]) -> list[Any]:
    """Answer every Shopify call with `shop.json` holding `shop`; returns the requests seen
    (no DNS, no socket: the guard's resolver says 127.0.0.1 and a mock transport answers)."""
    import dataclasses

    import httpx

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"shop": shop})

    services.outbound = dataclasses.replace(
        services.outbound,
        transport=httpx.MockTransport(answer),
        resolver=lambda host, port: ["127.0.0.1"],
    )
    return seen
