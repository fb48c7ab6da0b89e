"""Debug status costs the same for a quiet integration and a busy one: GET debug-status/ for
an integration with 10 SyncEvent entries and for one with 100 000, through the real server.

    python -m bench.debug_status [--entries 100000] [--requests 300] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import time
from uuid import UUID

import httpx

from app.aggregates.integration import Integration
from app.bootstrap import Services
from app.commands import create_integration, create_site
from app.commands.context import system_context
from app.dev_secrets import resolve_secrets
from app.eventstore import EventMetadata
from app.identity import Tokens
from app.settings import load_settings
from bench.databases import bench_env, scratch_database
from bench.server import percentile, running_server

ACCOUNT = "bench-account"


def integration_with_tests(services: Services, tests: int) -> str:
    """An integration whose log holds `tests` connection-test entries (plus its creation)."""
    ctx = system_context(ACCOUNT)
    site = create_site.handle(
        create_site.CreateSite(name="s", url="https://s.example"), services.store, ctx
    ).site
    saved = create_integration.handle(
        create_integration.CreateIntegration(site_id=str(site.id), platform="custom"),
        services.store,
        ctx,
    )
    integration = services.events.repository.get(UUID(str(saved.aggregate.id)))
    assert isinstance(integration, Integration)
    for first in range(0, tests, 2000):
        for n in range(first, min(first + 2000, tests)):
            integration.record_connection_test(
                success=n % 5 != 0, message="checked", details={}, duration_ms=n % 90
            )
        services.events.record(
            integration, metadata=EventMetadata(actor="system", request_id="bench")
        )
    return str(integration.id)


def measure(base: str, token: str, integration_id: str, requests: int) -> list[float]:
    url = f"{base}/api/v1/integration/integrations/{integration_id}/debug-status/"
    samples = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for n in range(requests + 20):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            if n >= 20:  # warm-up excluded
                samples.append(elapsed * 1000)
    return samples


def run(kind: str, entries: int, requests: int) -> None:
    with scratch_database(kind) as (url, directory):
        env = bench_env(url, directory) | {"INTEGRATIONS_RATE_LIMIT": "1000000/minute"}
        settings = load_settings(env, snapshot_interval=10**9)
        services = Services(settings)
        try:
            quiet = integration_with_tests(services, 10)
            busy = integration_with_tests(services, entries)
            services.read_side.catch_up()
            token = Tokens(resolve_secrets(settings).jwt_secret).issue(
                account_id=ACCOUNT, user_id="bench", role="owner"
            )
        finally:
            services.close()
        with running_server(env) as base:
            for label, integration_id, count in (
                ("10", quiet, 10),
                (f"{entries:,}", busy, entries),
            ):
                samples = measure(base, token, integration_id, requests)
                print(
                    f"{kind:<8} debug-status with {label:>7} entries: p50 "
                    f"{percentile(samples, 0.5):5.2f} ms  p99 {percentile(samples, 0.99):5.2f}"
                    f" ms  ({len(samples)} requests, {count + 1} log entries)",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        run(kind, args.entries, args.requests)


if __name__ == "__main__":
    main()
