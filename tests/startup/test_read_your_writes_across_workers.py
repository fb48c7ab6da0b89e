"""Read-your-writes across processes on PostgreSQL: a write answered by one HTTP worker is
visible at once to a read answered by the other, while the projections run in a third
process (`serve --workers 2` without embedded workers, plus `projections run`)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.identity import Tokens
from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, reset_postgres
from tests.processes import Process
from tests.server_process import ServerProcess

ROUNDS = 24


@pytest.mark.postgres
def test_a_write_on_one_worker_is_read_at_once_on_the_other(
    postgres_database: DatabaseURL,
    tmp_path: Path,
) -> None:
    reset_postgres(postgres_database)
    server = ServerProcess(
        tmp_path,
        postgres_database.url(),
        workers=2,
        log_format="json",
        embedded_workers="false",
        read_your_writes_timeout="10",
    )
    token = Tokens(JWT_SECRET).issue(account_id="acct", user_id="owner", role="owner")
    auth = {"Authorization": f"Bearer {token}"}
    with server, Process("projections", "run", cwd=tmp_path, env=server.env, name="runner"):
        for n in range(ROUNDS):  # a new connection per request: either worker answers
            created = httpx.post(
                f"{server.base_url}/api/v1/integration/sites/",
                json={"name": f"Site {n}", "url": "https://s.example"},
                headers={**auth, "X-Request-ID": f"write-{n}"},
            )
            assert created.status_code == 201, created.text
            read = httpx.get(
                f"{server.base_url}/api/v1/integration/sites/{created.json()['id']}/",
                headers={**auth, "X-Request-ID": f"read-{n}"},
            )
            assert read.status_code == 200, read.text
            assert read.json()["name"] == f"Site {n}"
    pids = served_by(server.logs())
    crossed = [n for n in range(ROUNDS) if pids[f"write-{n}"] != pids[f"read-{n}"]]
    assert crossed, "every read happened to land on the worker that wrote"
    assert len(set(pids.values())) == 2


def served_by(logs: str) -> dict[str, int]:
    """Request id → pid of the worker that answered it (from the JSON access lines)."""
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    return {
        line["request_id"]: line["pid"]
        for line in lines
        if line["logger"] == "app.http.access" and line.get("request_id")
    }
