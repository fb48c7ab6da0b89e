"""A sync worker process killed (-9) in the middle of a run: another worker process takes the
run over once the lease runs out and resumes it from its checkpoint. No page is fetched more
than twice, every item ends as exactly one WordPress post, the run ends `success`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from app.aggregates.sync_run import SyncRun
from app.bootstrap import Services
from app.http.app import create_app
from tests.conftest import Api, cli_env, count_events
from tests.sync.conftest import FAST_SYNCS, Connected, wait_until
from tests.wordpress_site import WordPressSite

LEASE = 2.0
WORKER_ENV = {
    "INTEGRATIONS_ALLOW_PRIVATE_NETWORK": "true",
    "INTEGRATIONS_SYNC_LEASE": str(LEASE),
    "INTEGRATIONS_SYNC_POLL_INTERVAL": "0.2",
    "INTEGRATIONS_DB_POOL_SIZE": "2",
    "INTEGRATIONS_HTTP_RETRIES": "1",
    "INTEGRATIONS_SYNC_CONCURRENCY": "2",
    "INTEGRATIONS_LOG_LEVEL": "WARNING",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return FAST_SYNCS


@pytest.fixture
def worker_processes(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two `integrations workers run` processes; this process only projects."""
    cli_env(monkeypatch, services)
    env = {**os.environ, **WORKER_ENV}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "workers", "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for process in processes:  # started once its schema check is done (see README: races)
        assert process.stderr is not None
        assert b"running sync workers" in process.stderr.readline()
        threading.Thread(target=process.stderr.read, daemon=True).start()
    services.projection_follower.start()
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(10)


@pytest.fixture
def remote(
    services: Services, site: WordPressSite, worker_processes: list[subprocess.Popen[bytes]]
) -> Iterator[Connected]:
    with TestClient(create_app(services, manage_lifecycle=False)) as client:
        yield Connected(Api(client, services, account_id="acc"), site)


def claims(services: Services, sync_id: str) -> list[Any]:
    return [
        e
        for e in services.events.stream(UUID(sync_id), 0, 100_000)
        if isinstance(e, SyncRun.Claimed)
    ]


def kill_the_executing_worker(
    services: Services, sync_id: str, processes: list[subprocess.Popen[bytes]]
) -> float:
    pid = int(claims(services, sync_id)[-1].worker.rsplit(":", 1)[1])
    victim = next(p for p in processes if p.pid == pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    return time.time()


def request(remote: Connected, **body: Any) -> str:
    response = remote.api.post(f"{remote.path}sync/", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["sync_id"])


def finished(remote: Connected, sync_id: str) -> dict[str, Any] | None:
    run = remote.get(f"syncs/{sync_id}/")
    return run if run["finished_at"] else None


def assert_taken_over_in_time(services: Services, sync_id: str, killed_at: float) -> None:
    taken = claims(services, sync_id)
    assert len(taken) == 2 and count_events(services, "sync.started") == 1
    takeover = taken[1].timestamp.timestamp()
    assert takeover - killed_at < LEASE + 3.0, "the run stayed taken longer than the lease"


def test_a_pull_of_50_pages_resumes_after_its_worker_is_killed(
    services: Services,
    remote: Connected,
    worker_processes: list[subprocess.Popen[bytes]],
) -> None:
    site = remote.site
    for n in range(5000 - sum(p["type"] == "post" for p in site.store.posts.values())):
        site.add_post(title=f"Post {n}")
    site.delay = 0.05
    sync_id = request(remote, direction="from_external", content_types=["post"])
    wait_until(
        lambda: any(
            "page=20&" in path or path.endswith("page=20") for _, path in list(site.arrivals)
        ),
        timeout=60,
    )
    killed_at = kill_the_executing_worker(services, sync_id, worker_processes)
    run = wait_until(lambda: finished(remote, sync_id), timeout=90)
    assert run["status"] == "success", run
    assert run["counts"]["pulled"] == 5000
    fetched = [site.count("GET", "/wp/v2/posts", page=str(p)) for p in range(1, 51)]
    assert all(1 <= times <= 2 for times in fetched), fetched
    assert_taken_over_in_time(services, sync_id, killed_at)
    services.await_projection(services.events.max_position())
    assert remote.get("content/?post_type=post&limit=1")["results"]


def test_a_push_of_20_items_resumes_without_a_second_post_for_the_one_in_flight(
    services: Services,
    remote: Connected,
    worker_processes: list[subprocess.Popen[bytes]],
) -> None:
    site = remote.site
    items = [
        {
            "content_id": f"article-{n}",
            "title": f"Article {n}",
            "content": "<p>x</p>",
            "status": "publish",
            "post_type": "post",
        }
        for n in range(20)
    ]
    site.delay = 0.3
    sync_id = request(remote, direction="to_external", items=items)
    wait_until(lambda: sum(m == "POST" for m, _ in list(site.arrivals)) >= 8, timeout=60)
    killed_at = kill_the_executing_worker(services, sync_id, worker_processes)
    run = wait_until(lambda: finished(remote, sync_id), timeout=90)
    assert run["status"] == "success", run
    tagged = [
        p["meta"].get("igny8_content_id")
        for p in site.store.posts.values()
        if isinstance(p["meta"], dict)
    ]
    assert sorted(tagged.count(item["content_id"]) for item in items) == [1] * 20
    assert run["counts"]["pushed"] == 20
    assert_taken_over_in_time(services, sync_id, killed_at)
