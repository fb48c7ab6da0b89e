"""A read model whose columns change is a new version: the new code builds it beside the old
one on start-up and serves it once it has caught up, while a process still running the old
code keeps answering from (and keeping up) the old version until it stops; then the old
tables go. Two new-code processes starting at once build the new version once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.identity import Tokens
from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, MASTER_KEY, table_names
from tests.processes import Process, free_port, http_status, service_env, wait_until

pytestmark = pytest.mark.postgres
NEXT = "tests.releases.next_release"
ADMIN = {
    "Authorization": "Bearer "
    + Tokens(JWT_SECRET).issue(account_id="acc", user_id="ops", role="admin", ttl=3600)
}


def start(
    database: DatabaseURL, workdir: Path, *, module: str = "app", **settings: object
) -> tuple[Process, int]:
    port = free_port()
    env = service_env(
        env="production",
        jwt_secret=JWT_SECRET,
        master_keys=MASTER_KEY,
        database_url=database.url(),
        db_pool_size=3,
        port=port,
        **settings,
    )
    return Process("serve", cwd=workdir, env=env, module=module, name=f"serve-{port}"), port


def api(port: int, method: str, path: str, body: dict[str, str] | None = None) -> object:
    import httpx

    response = httpx.request(
        method,
        f"http://127.0.0.1:{port}/api/v1/integration{path}",
        json=body,
        headers=ADMIN,
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


def site_names(port: int) -> set[str]:
    listed = api(port, "GET", "/sites/?limit=200")
    assert isinstance(listed, dict)
    return {site["name"] for site in listed["results"]}


def hosts(url: DatabaseURL) -> set[str]:
    with psycopg.connect(url.conninfo()) as conn:
        return {row[0] for row in conn.execute("SELECT host FROM sites_v2")}


@pytest.fixture
def running(empty_postgres: DatabaseURL, tmp_path: Path) -> Iterator[tuple[Process, int]]:
    """The old code serving three sites."""
    old, port = start(empty_postgres, tmp_path / "old")
    with old:
        wait_until(lambda: http_status(port) == 200, 60, "the old code")
        for n in range(3):
            api(port, "POST", "/sites/", {"name": f"s{n}", "url": f"https://s{n}.example.com"})
        yield old, port


def test_new_code_builds_its_version_while_the_old_code_keeps_serving(
    running: tuple[Process, int],
    empty_postgres: DatabaseURL,
    tmp_path: Path,
) -> None:
    old, old_port = running
    new, new_port = start(empty_postgres, tmp_path / "new", module=NEXT, read_model_grace="1")
    with new:
        wait_until(lambda: http_status(new_port) == 200, 90, "the new code's version")
        assert hosts(empty_postgres) == {"s0.example.com", "s1.example.com", "s2.example.com"}
        api(old_port, "POST", "/sites/", {"name": "by-old", "url": "https://old.example.com"})
        api(new_port, "POST", "/sites/", {"name": "by-new", "url": "https://new.example.com"})
        everything = {"s0", "s1", "s2", "by-old", "by-new"}
        wait_until(lambda: site_names(old_port) == everything, 30, "the old version")
        wait_until(lambda: site_names(new_port) == everything, 30, "the new version")
        assert http_status(old_port) == 200 and "sites_v1_g1" in table_names(empty_postgres)
        old.stop()
        wait_until(
            lambda: "sites_v1_g1" not in table_names(empty_postgres),
            60,
            "the old version to be dropped once nobody keeps it",
        )
        assert site_names(new_port) == everything
        assert "new.example.com" in hosts(empty_postgres)
    env = service_env(
        env="production",
        jwt_secret=JWT_SECRET,
        master_keys=MASTER_KEY,
        database_url=empty_postgres.url(),
    )
    verify = Process("projections", "verify", cwd=tmp_path / "verify", env=env, module=NEXT)
    assert verify.wait(120) == 0, verify.stdout + verify.stderr


def test_two_new_code_processes_build_the_new_version_once(
    running: tuple[Process, int],
    empty_postgres: DatabaseURL,
    tmp_path: Path,
) -> None:
    both = [start(empty_postgres, tmp_path / f"new{n}", module=NEXT) for n in range(2)]
    try:
        for _, port in both:
            wait_until(lambda p=port: http_status(p) == 200, 90, f"new code on {port}")
    finally:
        for process, _ in both:
            process.stop()
    builders = [p for p, _ in both if "building sites_v2_g1" in p.stderr]
    assert len(builders) == 1, [p.stderr[-2000:] for p, _ in both]
    with psycopg.connect(empty_postgres.conninfo()) as conn:
        generations = conn.execute(
            "SELECT generation FROM read_model_generations WHERE name = 'sites' AND version = 2"
        ).fetchall()
    assert generations == [(1,)]
