"""Webhook deliveries per second through the real service (`integrations serve`, loopback
only), on SQLite and on PostgreSQL, with 32 concurrent senders.

Phases per database: distinct unsigned deliveries, distinct signed ones (Standard Webhooks),
and repeats of ids already recorded (the duplicate path). Run: `python -m bench.webhooks`."""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import uuid
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from app.identity import Tokens
from bench.databases import bench_env, scratch_database
from bench.load import Outcome, Request, post_for
from bench.server import running_server

SENDERS = 32
JWT_SECRET = "bench-jwt-secret-" + "x" * 32
MASTER_KEYS = "bench1:" + base64.b64encode(b"b" * 32).decode()
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"bench-webhook-secret-bytes").decode()
BASE = "/api/v1/integration"


def line(database: str, phase: str, outcome: Outcome) -> str:
    ordered = sorted(outcome.latencies) or [0.0]
    p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]
    errors = sum(n for status, n in outcome.statuses.items() if status not in (200, -1))
    return (
        f"{database:<10} {phase:<10} {len(outcome.latencies):>7} {outcome.rate:>10.0f}"
        f" {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} {outcome.statuses.get(-1, 0):>6}"
        f" {errors:>6}"
    )


HEADER = (
    f"{'database':<10} {'phase':<10} {'sent':>7} {'per sec':>10} {'p50 ms':>8}"
    f" {'p99 ms':>8} {'dupl':>6} {'errors':>6}"
)


def service_env(database_url: str, var_dir: str) -> dict[str, str]:
    return {
        **bench_env(database_url, var_dir),
        "INTEGRATIONS_ENV": "production",
        "INTEGRATIONS_JWT_SECRET": JWT_SECRET,
        "INTEGRATIONS_MASTER_KEYS": MASTER_KEYS,
        "INTEGRATIONS_RATE_LIMIT": "100000000/minute",
    }


def create_blog(url: str, *, signed: bool) -> tuple[str, str, dict[str, str]]:
    """A site and its WordPress integration; returns (site key, integration id, auth)."""
    token = Tokens(JWT_SECRET).issue(account_id="bench", user_id="bench", role="owner")
    auth = {"Authorization": f"Bearer {token}"}
    site = httpx.post(
        f"{url}{BASE}/sites/",
        headers=auth,
        json={"name": "Bench", "url": "https://bench.example.com"},
    ).json()
    credentials = {"api_key": f"plugin-{uuid.uuid4().hex}"}
    if signed:
        credentials["webhook_secret"] = WEBHOOK_SECRET
    created = httpx.post(
        f"{url}{BASE}/integrations/",
        headers=auth,
        json={"site_id": site["id"], "platform": "wordpress", "credentials_json": credentials},
    )
    created.raise_for_status()
    return site["api_key"], created.json()["id"], auth


def body(n: int) -> bytes:
    return json.dumps(
        {
            "post_id": n + 1,
            "content_id": f"c-{n}",
            "status": "publish",
            "post_type": "post",
            "url": f"https://bench.example.com/?p={n}",
            "title": f"Post {n}",
            "modified_gmt": "2026-11-22 02:26:33",
        }
    ).encode()


def headers_for(key: str, msg_id: str, raw: bytes, signed: bool) -> dict[str, str]:
    sent = {"Content-Type": "application/json", "X-Api-Key": key, "webhook-id": msg_id}
    if signed:
        now = datetime.now(UTC)
        sent["webhook-timestamp"] = str(int(now.timestamp()))
        sent["webhook-signature"] = Webhook(WEBHOOK_SECRET).sign(msg_id, now, raw.decode())
    return sent


def run_database(label: str, database_url: str, seconds: float, workers: int = 1) -> list[str]:
    with (
        tempfile.TemporaryDirectory() as var_dir,
        running_server(service_env(database_url, var_dir), workers=workers) as url,
    ):
        key, integration_id, auth = create_blog(url, signed=False)
        signed_key, _, _ = create_blog(url, signed=True)
        path = f"{BASE}/webhooks/wordpress/status/"

        def distinct(n: int) -> Request:
            return path, headers_for(key, f"msg_{n}", body(n), signed=False), body(n)

        def signed(n: int) -> Request:
            return path, headers_for(signed_key, f"sig_{n}", body(n), signed=True), body(n)

        post_for(url, lambda n: distinct(10_000_000 + n), senders=SENDERS, seconds=2.0)
        fresh = post_for(url, distinct, senders=SENDERS, seconds=seconds)
        seen = max(1, len(fresh.latencies))
        repeated = post_for(url, lambda n: distinct(n % seen), senders=SENDERS, seconds=seconds / 2)
        signing = post_for(url, signed, senders=SENDERS, seconds=seconds / 2)
        status = httpx.get(
            f"{url}{BASE}/integrations/{integration_id}/debug-status/", headers=auth
        ).json()
        print(
            f"{label}: webhooks_24h of the unsigned integration = "
            f"{status.get('counters', {}).get('webhooks_24h')}",
            file=sys.stderr,
        )
        phases = {"distinct": fresh, "duplicate": repeated, "signed": signing}
        for name, outcome in phases.items():
            if outcome.bodies:
                print(f"{label} {name}: first error {outcome.bodies[0][:300]!r}", file=sys.stderr)
        return [line(label, name, outcome) for name, outcome in phases.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=15.0,
        help="length of the distinct phase (the others take half)",
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn workers on PostgreSQL (SQLite always runs one)",
    )
    args = parser.parse_args()
    lines = []
    for kind in ("sqlite", "postgres"):
        if args.only in (None, kind):
            with scratch_database(kind) as (url, _):
                lines += run_database(
                    kind, url, args.seconds, args.workers if kind == "postgres" else 1
                )
    print(
        f"{SENDERS} concurrent senders, loopback; uvicorn workers: SQLite 1, "
        f"PostgreSQL {args.workers}"
    )
    print(HEADER)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
