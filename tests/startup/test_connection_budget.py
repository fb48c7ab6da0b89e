"""The README's topology (4 HTTP workers and 2 projection runners, default settings) fits in
half of PostgreSQL's default 100 connections and serves 32 concurrent clients without a
worker dying or a 5xx."""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.identity import Tokens
from app.settings import DatabaseURL
from tests.conftest import JWT_SECRET, MASTER_KEY
from tests.processes import Process, free_port, http_status, service_env, wait_until

pytestmark = pytest.mark.postgres
ROLE, LIMIT = "integrations_budget", 50
CLIENTS, REQUESTS = 32, 8
BASE = "/api/v1/integration"


@pytest.fixture
def budget_database(postgres_database: DatabaseURL) -> Iterator[DatabaseURL]:
    """A database owned by a role that may hold at most LIMIT connections."""
    name = f"{postgres_database.dbname}_budget"
    with psycopg.connect(postgres_database.conninfo(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
        if not exists:
            admin.execute(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT {LIMIT}")
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" OWNER {ROLE}')
    url = DatabaseURL.parse(postgres_database.with_dbname(name).url())
    try:
        yield DatabaseURL(kind="postgres", params={**url.params, "user": ROLE})
    finally:
        with psycopg.connect(postgres_database.conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


class Sampler(threading.Thread):
    """The most connections the role held at once, sampled every 20 ms."""

    def __init__(self, admin: DatabaseURL) -> None:
        super().__init__(daemon=True)
        self.admin, self.peak, self.done = admin, 0, threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
            while not self.done.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (ROLE,)
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)


def client(port: int, token: str, statuses: Counter[int], lock: threading.Lock) -> None:
    """A user who creates a site and an integration, then reads and lists."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: object = None) -> dict[str, object]:
        conn.request(method, BASE + path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        data = response.read()
        with lock:
            statuses[response.status] += 1
        return json.loads(data) if data and response.status < 300 else {}

    site = call("POST", "/sites/", {"name": "Load", "url": "https://load.example.com"})
    if site:
        call("POST", "/integrations/", {"site_id": site["id"], "platform": "custom"})
    for n in range(REQUESTS):
        call("GET", "/integrations/" if n % 2 else "/sites/")
    conn.close()


def test_the_readme_topology_fits_half_the_servers_connections(
    tmp_path: Path, budget_database: DatabaseURL, postgres_database: DatabaseURL
) -> None:
    env = service_env(
        env="production",
        jwt_secret=JWT_SECRET,
        master_keys=MASTER_KEY,
        database_url=budget_database.url(),
        embedded_workers="false",
    )
    port = free_port()
    server = Process(
        "serve", "--workers", "4", "--port", str(port), cwd=tmp_path, env=env, name="serve"
    )
    runners = [
        Process("projections", "run", cwd=tmp_path, env=env, name=f"runner{n}") for n in range(2)
    ]
    try:
        wait_until(lambda: http_status(port) == 200, 90, "the server")
        workers = wait_until(
            lambda: len(children(server.popen.pid)) >= 4 and children(server.popen.pid),
            60,
            "four workers",
        )
        tokens = [
            Tokens(JWT_SECRET).issue(account_id="acc", user_id=f"u{n}", role="admin")
            for n in range(CLIENTS)
        ]
        statuses: Counter[int] = Counter()
        lock = threading.Lock()
        sampler = Sampler(postgres_database)
        sampler.start()
        threads = [
            threading.Thread(target=client, args=(port, token, statuses, lock)) for token in tokens
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        sampler.done.set()
        sampler.join()
        assert set(statuses) <= {200, 201}, statuses
        budget = 4 * (4 + 4 + 1) + 2 * (4 + 1)  # the README's table
        assert 0 < sampler.peak <= budget, f"{sampler.peak} connections at the peak"
        assert sum(statuses.values()) == CLIENTS * (REQUESTS + 2)
        assert children(server.popen.pid) == workers, "a worker died and was replaced"
        assert all(runner.alive() for runner in runners)
    finally:
        for process in [server, *runners]:
            process.stop()
    for process in [server, *runners]:
        assert "Traceback" not in process.stderr and "died" not in process.stderr, process.stderr[
            -3000:
        ]
    assert os.path.exists(tmp_path / "serve.err")
