"""`integrations serve` and `projections run` as an operator starts them on PostgreSQL: the
demo outside production, processes that do what their settings say, start-up races."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, MASTER_KEY, table_names
from tests.processes import Process, free_port, http_status, service_env, wait_until

pytestmark = pytest.mark.postgres
SECRETS = {"jwt_secret": JWT_SECRET, "master_keys": MASTER_KEY, "db_pool_size": 2}


def count(url: DatabaseURL, sql: str) -> int:
    with psycopg.connect(url.conninfo()) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


def serve(workdir: Path, url: DatabaseURL, **settings: object) -> tuple[Process, int]:
    port = free_port()
    env = service_env(**{**SECRETS, "database_url": url.url(), "port": port, **settings})
    return Process("serve", cwd=workdir, env=env, name=f"serve-{port}"), port


def test_secrets_without_env_serve_and_print_the_demo_once(
    tmp_path: Path, empty_postgres: DatabaseURL
) -> None:
    first, port = serve(tmp_path / "empty", empty_postgres)
    with first:
        wait_until(lambda: http_status(port) == 200, 60, "the server to be ready")
        assert "API key   wpk_" in first.stdout
    second, port = serve(tmp_path / "empty", empty_postgres)
    with second:
        wait_until(lambda: http_status(port) == 200, 60, "the second start")
        assert "(shown on first start only)" in second.stdout
    assert (
        count(
            empty_postgres, "SELECT COUNT(*) FROM integrations_events WHERE topic = 'site.created'"
        )
        == 1
    )
    assert not (tmp_path / "empty" / "var").exists()


def test_serve_without_embedded_workers_leads_nothing(
    tmp_path: Path, empty_postgres: DatabaseURL
) -> None:
    """Its writes are projected only once a `projections run` process is there."""
    server, port = serve(
        tmp_path, empty_postgres, embedded_workers="false", read_your_writes_timeout="0.2"
    )
    with server:
        wait_until(lambda: http_status(port) == 200, 60, "the server to be ready")
        positions = "SELECT MAX(position) FROM projection_tracking WHERE name = 'sites_v1_g1'"
        assert count(empty_postgres, "SELECT COUNT(*) FROM integrations_events") == 1
        assert count(empty_postgres, positions) == 0
        env = service_env(**{**SECRETS, "database_url": empty_postgres.url()})
        with Process("projections", "run", cwd=tmp_path, env=env, name="runner"):
            wait_until(lambda: count(empty_postgres, positions) > 0, 60, "the runner")


def test_ten_processes_started_at_once_on_an_empty_database_all_come_up(
    tmp_path: Path, empty_postgres: DatabaseURL
) -> None:
    env = service_env(**{**SECRETS, "database_url": empty_postgres.url(), "env": "production"})
    servers = [serve(tmp_path / f"s{n}", empty_postgres, env="production") for n in range(5)]
    runners = [
        Process("projections", "run", cwd=tmp_path / f"r{n}", env=env, name="runner")
        for n in range(5)
    ]
    try:
        for _, port in servers:
            wait_until(lambda p=port: http_status(p) == 200, 90, f"server on {port}")
        for runner in runners:
            wait_until(lambda r=runner: "running projections" in r.stderr or not r.alive(), 90)
            assert runner.alive(), runner.stderr
        assert all(process.alive() for process, _ in servers)
    finally:
        for process in [*runners, *(p for p, _ in servers)]:
            process.stop()
    for process in [*runners, *(p for p, _ in servers)]:
        assert "Traceback" not in process.stderr, process.stderr
    assert {
        "integrations_events",
        "integrations_snapshots",
        "projection_tracking",
        "credential_keys",
        "integration_summaries_v1_g1",
    } <= table_names(empty_postgres)
