"""Claims are settled by the store: of several workers claiming one run at once exactly one
wins; a lapsed lease is claimable; runs stored before claims existed still load, and the
sweep ends the ones a worker of that time left running."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.persistence import StoredEvent

from app.aggregates.errors import NotFound
from app.aggregates.sync_run import SyncRun
from app.bootstrap import Services
from app.commands import create_integration, create_site, request_sync
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.projections.content_index import POSTS
from app.projections.sync_runs import RUNS
from app.sync.claims import Claim, Claims
from tests.conftest import count_events, make_settings
from tests.sync.conftest import FAST_SYNCS, ManualClock, wait_until
from tests.wordpress_site import APP_PASSWORD, WordPressSite

CTX = Context(account_id="acc", actor="user:test", request_id="claims")


def requested_run(
    services: Services, url: str = "https://s.example", direction: str = "metadata"
) -> str:
    def run(handler: Any, command: Any) -> Any:
        return with_retries(lambda: handler(command, services.store, CTX))

    site = run(create_site.handle, create_site.CreateSite(name="s", url=url))
    integration = run(
        create_integration.handle,
        create_integration.CreateIntegration(
            site_id=str(site.site.id),
            platform="wordpress",
            credentials_json={
                "api_key": "k" * 12,
                "username": "admin",
                "app_password": APP_PASSWORD,
            },
        ),
    ).aggregate
    return str(
        run(
            request_sync.handle,
            request_sync.RequestSync(integration_id=str(integration.id), direction=direction),
        ).aggregate.id
    )


def test_of_four_workers_claiming_one_run_at_once_one_wins(
    clocked: Services, clock: ManualClock
) -> None:
    sync_id = requested_run(clocked)
    workers = [Claims(clocked.store, clock, lease=30, timeout=300) for _ in range(4)]
    barrier, won = threading.Barrier(4), []

    def claim(claims: Claims) -> None:
        barrier.wait()
        if (got := claims.claim(sync_id)) is not None:
            won.append(got)

    threads = [threading.Thread(target=claim, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert count_events(clocked, "sync.claimed") == 1
    assert count_events(clocked, "sync.started") == 1


def test_a_lapsed_lease_is_found_and_claimed_again(clocked: Services, clock: ManualClock) -> None:
    sync_id = requested_run(clocked)
    claims = Claims(clocked.store, clock, lease=30, timeout=300)
    clocked.read_side.catch_up()
    assert claims.due(10) == [sync_id]
    first = claims.claim(sync_id)
    assert isinstance(first, Claim)
    clocked.read_side.catch_up()
    assert claims.due(10) == [] and claims.claim(sync_id) is None
    clock.advance(31)
    assert claims.due(10) == [sync_id]
    second = claims.claim(sync_id)
    assert second is not None and second.claim_id != first.claim_id
    run = clocked.store.load(SyncRun, sync_id, NotFound("run"))
    assert (run.claims, run.holds(second.claim_id)) == (2, True)


def v1(event_time: datetime, **fields: Any) -> bytes:
    return msgspec.json.encode(
        {"timestamp": event_time.isoformat(), "actor": "system", "request_id": "legacy", **fields}
    )


def test_runs_stored_before_claims_load_and_a_stale_one_is_abandoned(clocked: Services) -> None:
    """Version 1 progress events (no lease, no checkpoint) of a run a worker of that time
    started and never finished."""
    sync_id = requested_run(clocked)
    run_id, old = uuid.UUID(sync_id), datetime.now(UTC) - timedelta(hours=1)
    integration_id = clocked.store.load(SyncRun, sync_id, LookupError()).integration_id  # type: ignore[arg-type]
    legacy = [
        ("sync.started", {"integration_id": integration_id}),
        (
            "sync.progressed",
            {"integration_id": integration_id, "phase": "from_external", "counts": {}},
        ),
        (
            "sync.content_pulled",
            {
                "integration_id": integration_id,
                "counts": {"pulled": 1},
                "items": [
                    {
                        "external_id": 7,
                        "post_type": "post",
                        "title": "Old",
                        "status": "publish",
                        "url": "u",
                        "modified_at": None,
                    }
                ],
            },
        ),
    ]
    clocked.events.recorder.insert_events(
        [
            StoredEvent(
                originator_id=run_id, originator_version=2 + n, topic=topic, state=v1(old, **fields)
            )
            for n, (topic, fields) in enumerate(legacy)
        ]
    )
    loaded = clocked.store.load(SyncRun, sync_id, NotFound("run"))
    assert (loaded.status, loaded.lease_until, loaded.counts) == ("running", None, {"pulled": 1})
    clocked.read_side.catch_up()
    assert clocked.db.value(f"SELECT status FROM {POSTS} WHERE external_id = 7") == "publish"
    with clocked.db.transaction(write=True) as tx:  # as if the worker had gone quiet long ago
        tx.execute(
            f"UPDATE {clocked.read_side.physical(RUNS)} SET last_activity_at = ? WHERE sync_id = ?",
            ("2000-01-01T00:00:00.000000Z", sync_id),
        )
    assert clocked.sync_workers.sweep() == 1
    clocked.read_side.catch_up()
    assert clocked.db.value(f"SELECT status FROM {RUNS} WHERE sync_id = ?", (sync_id,)) == (
        "abandoned"
    )


def test_a_stopping_worker_hands_its_run_over_at_the_next_checkpoint(
    database_url: str,
    tmp_path: Path,
    site: WordPressSite,
) -> None:
    """No waiting for the lease (30 s here): a worker shutting down releases the run."""
    for n in range(250):
        site.add_post(title=f"Post {n}")
    site.delay = 0.2
    settings = make_settings(database_url, tmp_path, **{**FAST_SYNCS, "sync_lease": 30.0})
    first, second = Services(settings), Services(settings)
    try:
        first.start_workers()
        sync_id = requested_run(first, site.base_url, "from_external")
        wait_until(lambda: count_events(first, "sync.content_pulled") >= 1)
        stopped_at = time.monotonic()
        first.sync_workers.stop()
        assert count_events(first, "sync.released") == 1
        second.sync_workers.start()
        wait_until(
            lambda: (
                first.db.value(f"SELECT status FROM {RUNS} WHERE sync_id = ?", (sync_id,))
                == "success"
            )
        )
        assert time.monotonic() - stopped_at < 20
        run = first.store.load(SyncRun, sync_id, NotFound("run"))
        listed = sum(p["type"] in ("post", "page") for p in site.store.posts.values())
        assert (run.claims, run.counts["pulled"]) == (2, listed)
    finally:
        first.close()
        second.close()
