"""Every setting is checked before anything is written: a wrong value, an unreachable server
or an unknown database ends start-up with one line saying what is wrong, exit status 2, and
nothing created (no `var/`, no table, no row)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, MASTER_KEY, table_names
from tests.processes import Process, free_port, service_env

SECRETS = {"jwt_secret": JWT_SECRET, "master_keys": MASTER_KEY}
BAD_VALUES = [
    ({"log_level": "verbose"}, "INTEGRATIONS_LOG_LEVEL"),
    ({"rate_limit": "lots"}, "INTEGRATIONS_RATE_LIMIT"),
    ({"port": "0"}, "INTEGRATIONS_PORT"),
    ({"db_pool_size": "0"}, "INTEGRATIONS_DB_POOL_SIZE"),
    ({"embedded_workers": "maybe"}, "INTEGRATIONS_EMBEDDED_WORKERS"),
    ({"jwt_secret": JWT_SECRET, "master_keys": ""}, "INTEGRATIONS_MASTER_KEYS is required"),
    ({"master_keys": "k1:not-base64!"}, "INTEGRATIONS_MASTER_KEYS"),
    ({"env": "production", "jwt_secret": ""}, "INTEGRATIONS_JWT_SECRET is required"),
]


def refused(tmp_path: Path, **settings: str) -> str:
    """Start `serve` with these settings in an empty directory; it must refuse in one line."""
    workdir = tmp_path / "empty"
    server = Process("serve", cwd=workdir, env=service_env(**{"port": free_port(), **settings}))
    try:
        assert server.wait(60) == 2
    finally:
        server.stop()
    lines = server.stderr.strip().splitlines()
    assert len(lines) == 1, server.stderr
    assert lines[0].startswith("error: ") and server.stdout == ""
    assert sorted(p.name for p in workdir.iterdir()) == ["app.err", "app.out"]
    return lines[0]


@pytest.mark.parametrize(("settings", "named"), BAD_VALUES)
def test_a_bad_setting_stops_start_up_in_one_line(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    line = refused(tmp_path, **{**SECRETS, **settings})
    assert named in line


@pytest.mark.postgres
@pytest.mark.parametrize(("settings", "named"), BAD_VALUES)
def test_a_bad_setting_writes_nothing_to_postgres(
    tmp_path: Path, empty_postgres: DatabaseURL, settings: dict[str, str], named: str
) -> None:
    refused(tmp_path, **{**SECRETS, "database_url": empty_postgres.url(), **settings})
    assert table_names(empty_postgres) == set()


@pytest.mark.postgres
def test_an_unknown_database_is_named_with_what_to_do(
    tmp_path: Path, postgres_database: DatabaseURL
) -> None:
    missing = postgres_database.with_dbname("no_such_database_for_integrations")
    line = refused(tmp_path, **SECRETS, database_url=missing.url())
    assert "no_such_database_for_integrations" in line and "does not exist" in line
    assert "createdb" in line


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    line = refused(tmp_path, **SECRETS, database_url=f"postgresql://postgres@127.0.0.1:{port}/x")
    assert f"127.0.0.1:{port}" in line and "is the server running" in line


def test_a_malformed_url_names_the_forms_it_takes(tmp_path: Path) -> None:
    line = refused(tmp_path, **SECRETS, database_url="mysql://localhost/db")
    assert "sqlite:///" in line and "postgresql://" in line


@pytest.mark.postgres
def test_url_parameters_reach_the_connection(tmp_path: Path, empty_postgres: DatabaseURL) -> None:
    """The local server has no TLS: `sslmode=require` failing proves it was not dropped."""
    line = refused(tmp_path, **SECRETS, database_url=empty_postgres.url() + "&sslmode=require")
    assert "SSL" in line
    assert table_names(empty_postgres) == set()
