"""What one read request costs inside this service: the ASGI app called directly, one
request at a time (no HTTP sockets, no client in another process; the database over its usual
connections), measured two ways: this process's CPU time per request, and the Python function
calls per request (cProfile). CPU time varies by about ±15 % between runs, as throughput under
wrk does; the calls are the same on every run on SQLite and vary by about ±2 % on PostgreSQL
(the async pool's timing), so they show changes that throughput runs cannot.

    python -m bench.request_cost [--requests 3000] [--rounds 3] [--databases postgres,sqlite]

R1 = sync-status, R2 = the list of a site's integrations, R3 = debug-status (as in
`../shared/peers`). Prints the best round's microseconds and the calls per request of each."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from app.bootstrap import Services
from app.dev_secrets import resolve_secrets
from app.http.app import API, create_app
from app.identity import Tokens
from app.queries.debug_status import RECENT
from app.settings import load_settings
from bench.databases import bench_env, scratch_database
from bench.debug_status import ACCOUNT, integration_with_tests

ASGI = Callable[..., Awaitable[None]]


async def lifespan(app: ASGI) -> Callable[[], Awaitable[None]]:
    """Start the app (ASGI lifespan); returns the coroutine function that shuts it down."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    task = asyncio.ensure_future(app({"type": "lifespan"}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started

    async def shutdown() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task

    return shutdown


async def get(app: ASGI, path: str, query: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET through the whole app (middleware, guards, handler); its status."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    await app(scope, receive, send)
    return status


async def measure(
    app: ASGI, token: str, site: str, integration: str, requests: int
) -> dict[str, tuple[float, float]]:
    """(CPU microseconds, Python calls) per request of each operation."""
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"host", b"bench")]
    operations = {
        "R1": (f"{API}/integrations/{integration}/sync-status/", ""),
        "R2": (f"{API}/integrations/", f"site_id={site}"),
        "R3": (f"{API}/integrations/{integration}/debug-status/", ""),
    }
    costs = {}
    for name, (path, query) in operations.items():
        for _ in range(200):  # warm-up: prepared statements, caches, pools
            assert await get(app, path, query, headers) == 200
        started = time.process_time()
        for _ in range(requests):
            await get(app, path, query, headers)
        cpu = (time.process_time() - started) / requests * 1e6
        profile = cProfile.Profile()
        with profile:
            for _ in range(100):
                await get(app, path, query, headers)
        costs[name] = (cpu, pstats.Stats(profile).total_calls / 100)  # type: ignore[attr-defined]
    return costs


def prepare(services: Services) -> tuple[str, str]:
    """A site and an integration whose log holds more than debug status lists."""
    integration_id = integration_with_tests(services, RECENT + 10)
    services.read_side.catch_up()
    integration = services.events.repository.get(UUID(integration_id))
    return str(integration.site_id), integration_id


def run(kind: str, requests: int, rounds: int) -> None:
    with scratch_database(kind) as (url, directory):
        env = bench_env(url, directory) | {"INTEGRATIONS_RATE_LIMIT": "100000000/minute"}
        os.environ.update(env)
        settings = load_settings(env)
        services = Services(settings)
        try:
            site, integration = prepare(services)
            token = Tokens(resolve_secrets(settings).jwt_secret).issue(
                account_id=ACCOUNT, user_id="bench", role="editor"
            )
            app = create_app(services, manage_lifecycle=False)  # no background workers

            async def main() -> list[dict[str, tuple[float, float]]]:
                shutdown = await lifespan(app)
                try:
                    return [
                        await measure(app, token, site, integration, requests)
                        for _ in range(rounds)
                    ]
                finally:
                    await shutdown()

            results = asyncio.run(main())
        finally:
            services.close()
    best = {name: min(r[name] for r in results) for name in results[0]}
    print(
        f"{kind:<8} per request (CPU: best of {rounds} x {requests}): "
        + "  ".join(
            f"{name} {cpu:4.0f} us {calls:4.0f} calls" for name, (cpu, calls) in best.items()
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="postgres,sqlite")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        run(kind, args.requests, args.rounds)


if __name__ == "__main__":
    main()
