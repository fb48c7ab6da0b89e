"""On SQLite too, outside `var/` and with secrets set, `serve` starts, prints the demo, and
a second start creates nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import JWT_SECRET, MASTER_KEY
from tests.processes import Process, free_port, http_status, service_env, wait_until


def start(workdir: Path, database: Path) -> tuple[Process, int]:
    port = free_port()
    env = service_env(
        jwt_secret=JWT_SECRET,
        master_keys=MASTER_KEY,
        port=port,
        database_url=f"sqlite:///{database}",
    )
    return Process("serve", cwd=workdir, env=env, name=f"serve-{port}"), port


def test_a_database_outside_var_with_secrets_serves_the_demo_once(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "service.db"
    for banner in ("API key   wpk_", "(shown on first start only)"):
        server, port = start(tmp_path / "empty", database)
        with server:
            wait_until(lambda p=port: http_status(p) == 200, 60, "the server")
            assert banner in server.stdout
    with sqlite3.connect(database) as conn:
        sites = conn.execute("SELECT COUNT(*) FROM stored_events WHERE topic = 'site.created'")
        assert sites.fetchone()[0] == 1
    assert not (tmp_path / "empty" / "var").exists()
