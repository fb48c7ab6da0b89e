"""Synthetic but realistic histories for benchmarks: sites, integrations with config changes,
connection tests, sync runs with pulled pages and pushed items, straight into the store
(many events per transaction), without going through HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.aggregates.sync_run import SyncRun
from app.bootstrap import Services
from app.eventstore import EventMetadata

META = EventMetadata(actor="user:bench", request_id="bench")
NOW, LEASE = "2026-12-01T00:00:00.000000Z", "2026-12-01T00:00:30.000000Z"
SEALED = {
    "ciphertext": "v1:bench",
    "fields": ["api_key"],
    "api_key_hint": "abcd",
    "api_key_hash": None,
}


def item(n: int) -> dict[str, object]:
    return {
        "external_id": n,
        "post_type": "post",
        "title": f"Post {n}",
        "status": "publish",
        "url": f"https://example.com/?p={n}",
        "modified_at": "2026-11-01T00:00:00Z",
        "content_id": f"c-{n}",
    }


def integration_history(account: str, runs: int) -> Iterator[list[object]]:
    """The aggregates of one site and its WordPress integration, in save-sized chunks."""
    site = Site(
        id=uuid4(),
        account_id=account,
        name="Bench",
        url="https://example.com",
        api_key_hash="bench:x",
    )
    integration = Integration(
        id=uuid4(),
        account_id=account,
        site_id=str(site.id),
        platform="wordpress",
        platform_type="cms",
        config={"site_url": "https://example.com"},
        credentials=SEALED,
        is_active=True,
        sync_enabled=True,
    )  # type: ignore[arg-type]
    slot = IntegrationSlot(
        site_id=str(site.id), platform="wordpress", integration_id=str(integration.id)
    )
    yield [site, integration, slot]
    for n in range(runs):
        integration.change_config({"n": n})
        integration.record_connection_test(
            success=n % 7 != 0, message="ok", details={}, duration_ms=12
        )
        sync_id = uuid4()
        integration.request_sync(sync_id=str(sync_id), direction="from_external")
        run = SyncRun(
            id=sync_id,
            integration_id=str(integration.id),
            direction="from_external",
            content_types=[],
            items=[],
        )
        run.claim(claim_id=f"bench-{n}", worker="bench", now=NOW, lease_until=LEASE)
        integration.start_sync(str(sync_id))
        run.record_progress(phase="from_external", counts={})
        for page in range(2):
            run.record_pulled([item(page * 10 + k) for k in range(10)], {"pulled": 10})
        run.complete(counts={"pulled": 20}, duration_ms=40)
        integration.finish_sync(
            sync_id=str(sync_id), outcome="success", error=None, finished_at=datetime.now(UTC)
        )
        yield [integration, run]


def write_history(
    services: Services,
    events: int,
    *,
    accounts: int = 10,
    runs_per_integration: int = 20,
    per_save: int = 8,
) -> int:
    """Write about `events` events, several integrations per transaction; returns the count.
    (Build the services with snapshots off: taking them is not what is measured here.)"""
    per_integration = 3 + runs_per_integration * 12
    integrations = max(1, events // per_integration)
    started = time.perf_counter()
    for first in range(0, integrations, per_save):
        pending: dict[int, object] = {}
        for n in range(first, min(first + per_save, integrations)):
            for chunk in integration_history(f"account-{n % accounts}", runs_per_integration):
                pending.update((id(a), a) for a in chunk)
        services.events.record(*pending.values(), metadata=META)  # type: ignore[arg-type]
    total = services.events.max_position()
    rate = total / max(time.perf_counter() - started, 1e-9)
    print(f"wrote {total} events for {integrations} integrations ({rate:,.0f} events/s)")
    return total
