"""A sync worker killed in the middle of a run: after a restart the run is abandoned (it is
never started twice), and nothing stays `syncing`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Services
from app.commands import create_integration, create_site, request_sync
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_runs import RUNS
from tests.conftest import cli_env, count_events, make_settings
from tests.wordpress_site import WordPressSite


def wait_until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def run_status(services: Services, sync_id: str) -> str | None:
    return services.db.value(f"SELECT status FROM {RUNS} WHERE sync_id = ?", (sync_id,))


def test_a_killed_worker_leaves_no_run_syncing(
    services: Services, site: WordPressSite, monkeypatch: pytest.MonkeyPatch,
    database_url: str, tmp_path: Path,
) -> None:
    site.delay = 3.0
    ctx = Context(account_id="acc", actor="user:test", request_id="crash")

    def run(handler: Any, command: Any) -> Any:
        return with_retries(lambda: handler(command, services.store, ctx))

    owner_site = run(create_site.handle, create_site.CreateSite(name="s", url=site.base_url))
    integration = run(create_integration.handle, create_integration.CreateIntegration(
        site_id=str(owner_site.site.id), platform="wordpress",
        credentials_json={"api_key": "k" * 12})).aggregate
    sync_id = str(run(request_sync.handle, request_sync.RequestSync(
        integration_id=str(integration.id), direction="metadata")).aggregate.id)

    cli_env(monkeypatch, services)
    worker = subprocess.Popen([sys.executable, "-m", "app", "projections", "run"],
                              env={**os.environ, "INTEGRATIONS_ALLOW_PRIVATE_NETWORK": "true"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: run_status(services, sync_id) == "running")
        wait_until(lambda: len(site.requests) > 0)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)

    restarted = Services(make_settings(database_url, tmp_path, sync_timeout=1.0,
                                       allow_private_network=True))
    restarted.start()
    try:
        wait_until(lambda: run_status(restarted, sync_id) == "abandoned")
        summary = restarted.db.one(f"SELECT * FROM {SUMMARIES} WHERE id = ?",
                                   (str(integration.id),))
    finally:
        restarted.close()
    assert summary is not None
    assert (summary["sync_status"], summary["running_sync_id"]) == ("failed", None)
    assert "abandoned" in summary["sync_error"]
    assert count_events(services, "sync.started") == 1
    assert count_events(services, "sync.completed") == 0
    assert count_events(services, "sync.abandoned") == 1
    assert services.db.value(f"SELECT COUNT(*) FROM {RUNS} WHERE status IN"
                             " ('pending', 'running')") == 0


def test_a_run_requested_while_no_worker_ran_is_abandoned_when_too_old(
    database_url: str, tmp_path: Path, site: WordPressSite,
) -> None:
    services = Services(make_settings(database_url, tmp_path, sync_timeout=0.5,
                                      allow_private_network=True))
    ctx = Context(account_id="acc", actor="user:test", request_id="late")
    try:
        def run(handler: Any, command: Any) -> Any:
            return with_retries(lambda: handler(command, services.store, ctx))

        owner_site = run(create_site.handle, create_site.CreateSite(name="s",
                                                                   url=site.base_url))
        integration = run(create_integration.handle, create_integration.CreateIntegration(
            site_id=str(owner_site.site.id), platform="wordpress",
            credentials_json={"api_key": "k" * 12})).aggregate
        sync_id = str(run(request_sync.handle, request_sync.RequestSync(
            integration_id=str(integration.id), direction="metadata")).aggregate.id)
        time.sleep(0.6)  # the request must be older than the timeout when the worker starts
        services.start()
        wait_until(lambda: run_status(services, sync_id) == "abandoned")
        assert count_events(services, "sync.started") == 0
        assert site.requests == []
    finally:
        services.close()
