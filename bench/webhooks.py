"""Webhook deliveries per second through the real service (`integrations serve`, loopback
only), on SQLite and on PostgreSQL, with 32 concurrent senders.

Phases per database: distinct unsigned deliveries, distinct signed ones (Standard Webhooks),
and repeats of ids already recorded (the duplicate path). Run: `python -m bench.webhooks`."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from standardwebhooks.webhooks import Webhook

from app.identity import Tokens

SENDERS = 32
JWT_SECRET = "bench-jwt-secret-" + "x" * 32
MASTER_KEYS = "bench1:" + base64.b64encode(b"b" * 32).decode()
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"bench-webhook-secret-bytes").decode()
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BASE = "/api/v1/integration"


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    duplicates: int = 0
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0

    def line(self, database: str) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]
        rate = len(self.latencies) / self.seconds if self.seconds else 0.0
        return (f"{database:<10} {self.name:<10} {len(self.latencies):>7} {rate:>10.0f}"
                f" {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} {self.duplicates:>6} {self.errors:>6}")


HEADER = (f"{'database':<10} {'phase':<10} {'sent':>7} {'per sec':>10} {'p50 ms':>8}"
          f" {'p99 ms':>8} {'dupl':>6} {'errors':>6}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway database on the local server, dropped afterwards."""
    name = f"bench_webhooks_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def service(database_url: str, var_dir: str, workers: int = 1) -> Iterator[str]:
    """`integrations serve` in a subprocess on a loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "INTEGRATIONS_ENV": "production",
           "INTEGRATIONS_DATABASE_URL": database_url, "INTEGRATIONS_VAR_DIR": var_dir,
           "INTEGRATIONS_JWT_SECRET": JWT_SECRET, "INTEGRATIONS_MASTER_KEYS": MASTER_KEYS,
           "INTEGRATIONS_RATE_LIMIT": "100000000/minute", "INTEGRATIONS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit("the service did not become ready within 30 s")


def create_blog(url: str, *, signed: bool) -> tuple[str, str, dict[str, str]]:
    """A site and its WordPress integration; returns (site key, integration id, auth)."""
    token = Tokens(JWT_SECRET).issue(account_id="bench", user_id="bench", role="owner")
    auth = {"Authorization": f"Bearer {token}"}
    site = httpx.post(f"{url}{BASE}/sites/", headers=auth,
                      json={"name": "Bench", "url": "https://bench.example.com"}).json()
    credentials = {"api_key": f"plugin-{uuid.uuid4().hex}"}
    if signed:
        credentials["webhook_secret"] = WEBHOOK_SECRET
    created = httpx.post(f"{url}{BASE}/integrations/", headers=auth, json={
        "site_id": site["id"], "platform": "wordpress", "credentials_json": credentials})
    created.raise_for_status()
    return site["api_key"], created.json()["id"], auth


def body(n: int) -> bytes:
    return json.dumps({"post_id": n + 1, "content_id": f"c-{n}", "status": "publish",
                       "post_type": "post", "url": f"https://bench.example.com/?p={n}",
                       "title": f"Post {n}", "modified_gmt": "2026-11-22 02:26:33"}).encode()


def headers_for(key: str, msg_id: str, raw: bytes, signed: bool) -> dict[str, str]:
    sent = {"Content-Type": "application/json", "X-Api-Key": key, "webhook-id": msg_id}
    if signed:
        now = datetime.now(UTC)
        sent["webhook-timestamp"] = str(int(now.timestamp()))
        sent["webhook-signature"] = Webhook(WEBHOOK_SECRET).sign(msg_id, now, raw.decode())
    return sent


async def send(url: str, phase: Phase, seconds: float,
               delivery: Callable[[int], tuple[bytes, dict[str, str]]]) -> None:
    """`SENDERS` senders post deliveries back to back for `seconds`."""
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def sender() -> None:
            while time.perf_counter() < stop:
                raw, sent = delivery(next(numbers))
                started = time.perf_counter()
                answer = await client.post(f"{BASE}/webhooks/wordpress/status/", content=raw,
                                           headers=sent)
                if answer.status_code != 200:
                    phase.errors += 1
                    phase.first_error = phase.first_error or answer.text[:300]
                    continue
                phase.latencies.append(time.perf_counter() - started)
                phase.duplicates += answer.json()["duplicate"]

        began = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(SENDERS)))
        phase.seconds = time.perf_counter() - began


def run_database(label: str, database_url: str, seconds: float, workers: int = 1) -> list[str]:
    with tempfile.TemporaryDirectory() as var_dir, \
            service(database_url, var_dir, workers) as url:
        key, integration_id, auth = create_blog(url, signed=False)
        signed_key, _, _ = create_blog(url, signed=True)
        fresh = Phase("distinct")

        def distinct(n: int) -> tuple[bytes, dict[str, str]]:
            return body(n), headers_for(key, f"msg_{n}", body(n), signed=False)

        def signed(n: int) -> tuple[bytes, dict[str, str]]:
            return body(n), headers_for(signed_key, f"sig_{n}", body(n), signed=True)

        asyncio.run(send(url, Phase("warmup"), 2.0,
                         lambda n: distinct(10_000_000 + n)))
        asyncio.run(send(url, fresh, seconds, distinct))
        seen = max(1, len(fresh.latencies))
        repeated = Phase("duplicate")
        asyncio.run(send(url, repeated, seconds / 2, lambda n: distinct(n % seen)))
        signing = Phase("signed")
        asyncio.run(send(url, signing, seconds / 2, signed))
        status = httpx.get(f"{url}{BASE}/integrations/{integration_id}/debug-status/",
                           headers=auth).json()
        print(f"{label}: webhooks_24h of the unsigned integration = "
              f"{status.get('counters', {}).get('webhooks_24h')}", file=sys.stderr)
        for phase in (fresh, repeated, signing):
            if phase.first_error:
                print(f"{label} {phase.name}: first error {phase.first_error}", file=sys.stderr)
        return [phase.line(label) for phase in (fresh, repeated, signing)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="length of the distinct phase (the others take half)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn workers on PostgreSQL (SQLite always runs one)")
    args = parser.parse_args()
    lines = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as data:
            url = f"sqlite:///{Path(data) / 'bench.db'}"
            lines += run_database("sqlite", url, args.seconds)
    if args.only in (None, "postgres"):
        with postgres_database() as url:
            lines += run_database("postgres", url, args.seconds, args.workers)
    print(f"{SENDERS} concurrent senders, loopback; uvicorn workers: SQLite 1, "
          f"PostgreSQL {args.workers}")
    print(HEADER)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
