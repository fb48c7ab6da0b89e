"""Sync runs per minute with 1, 2 and 4 worker processes (`integrations workers run`).

200 integrations (by default), each with a requested `metadata` run (three WordPress requests:
discovery, types, taxonomies), against WordPress imitations on loopback that answer each
request after 200 ms. This process only projects events; the worker processes execute. It
proves no run executed twice: `sync.started` and `sync.claimed` per run, and the requests the
imitations saw (three per run). Run: `python -m bench.syncs [--workers 1 2 4] [--database
postgres|sqlite]` (PostgreSQL from INTEGRATIONS_BENCH_POSTGRES_URL, default the local one)."""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from app.bootstrap import Services
from app.commands import create_integration, create_site, request_sync
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.projections.sync_runs import RUNS
from app.settings import load_settings
from bench.databases import bench_env, scratch_database
from tests.wordpress_site import WordPressSite

SITES = 10
"""Imitation servers; integrations are spread over them."""
REQUESTS_PER_RUN = 3
MASTER_KEYS = "bench1:" + base64.b64encode(b"b" * 32).decode()
CTX = Context(account_id="bench", actor="user:bench", request_id="bench")
EVENTS = {"sqlite": "stored_events", "postgres": "integrations_events"}


def worker_env(database_url: str, directory: str, concurrency: int) -> dict[str, str]:
    return {
        **bench_env(database_url, directory),
        "INTEGRATIONS_MASTER_KEYS": MASTER_KEYS,
        "INTEGRATIONS_ALLOW_PRIVATE_NETWORK": "true",
        "INTEGRATIONS_DB_POOL_SIZE": "3",
        "INTEGRATIONS_SYNC_CONCURRENCY": str(concurrency),
        "INTEGRATIONS_SYNC_POLL_INTERVAL": "0.2",
        "INTEGRATIONS_HTTP_RETRIES": "1",
        "INTEGRATIONS_JWT_SECRET": "bench-" + "x" * 40,
    }


@contextmanager
def workers(env: dict[str, str], count: int) -> Iterator[None]:
    """`count` worker processes, yielded once each is up."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "workers", "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    try:
        for process in processes:
            assert process.stderr is not None
            process.stderr.readline()
            threading.Thread(target=process.stderr.read, daemon=True).start()
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def request_runs(services: Services, sites: list[WordPressSite], runs: int) -> None:
    def run(handler: Any, command: Any) -> Any:
        return with_retries(lambda: handler(command, services.store, CTX))

    for n in range(runs):
        url = sites[n % len(sites)].base_url
        site = run(create_site.handle, create_site.CreateSite(name=f"s{n}", url=url)).site
        integration = run(
            create_integration.handle,
            create_integration.CreateIntegration(
                site_id=str(site.id),
                platform="wordpress",
                credentials_json={"api_key": f"bench-key-{n:06d}"},
            ),
        ).aggregate
        run(
            request_sync.handle,
            request_sync.RequestSync(integration_id=str(integration.id), direction="metadata"),
        )


def finished(services: Services) -> int:
    return int(services.db.value(f"SELECT COUNT(*) FROM {RUNS} WHERE finished_at IS NOT NULL"))


def most_per_run(services: Services, kind: str, topic: str) -> int:
    return int(
        services.db.value(
            f"SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM {EVENTS[kind]}"
            " WHERE topic = ? GROUP BY originator_id) AS per_run",
            (topic,),
        )
    )


def measure(kind: str, processes: int, runs: int, latency: float, concurrency: int) -> str:
    with scratch_database(kind) as (url, directory), ExitStack() as stack:
        sites = [stack.enter_context(WordPressSite(delay=latency)) for _ in range(SITES)]
        env = worker_env(url, directory, concurrency)
        settings = load_settings(env, db_pool_size=4)
        services = stack.enter_context(_closing(Services(settings)))
        request_runs(services, sites, runs)
        with workers(env, processes):  # projections start after the workers' schema check
            started = time.monotonic()
            services.projection_follower.start()
            while finished(services) < runs:
                time.sleep(0.1)
            elapsed = time.monotonic() - started
        statuses = services.db.all(f"SELECT status, COUNT(*) AS n FROM {RUNS} GROUP BY status")
        requests = sum(len(site.requests) for site in sites)
        return (
            f"{kind:<10} {processes:>7} {processes * concurrency:>8} {runs:>5}"
            f" {elapsed:>8.1f} {runs / elapsed * 60:>9.0f}"
            f" {most_per_run(services, kind, 'sync.started'):>9}"
            f" {most_per_run(services, kind, 'sync.claimed'):>9}"
            f" {requests:>6}/{runs * REQUESTS_PER_RUN:<6}"
            f" {dict((r['status'], r['n']) for r in statuses)}"
        )


@contextmanager
def _closing(services: Services) -> Iterator[Services]:
    try:
        yield services
    finally:
        services.close()


HEADER = (
    f"{'database':<10} {'workers':>7} {'capacity':>8} {'runs':>5} {'seconds':>8}"
    f" {'runs/min':>9} {'started/run':>9} {'claims/run':>9} {'requests':>13} statuses"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, default=4, help="runs at once per process")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    os.environ.pop("INTEGRATIONS_DATABASE_URL", None)
    print(
        f"{args.runs} metadata runs, {REQUESTS_PER_RUN} requests each answered after "
        f"{args.latency * 1000:.0f} ms, {SITES} imitation sites on loopback",
        flush=True,
    )
    print(HEADER, flush=True)
    for count in args.workers:
        print(measure(args.database, count, args.runs, args.latency, args.concurrency), flush=True)


if __name__ == "__main__":
    main()
