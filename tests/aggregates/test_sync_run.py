"""A sync run's claims, leases, retries and endings, as given/when/then on the aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun


def run() -> SyncRun:
    return SyncRun(
        id=uuid.uuid4(),
        integration_id="i-1",  # type: ignore[call-arg]
        direction="from_external",
        content_types=[],
        items=[],
    )


def topics(aggregate: SyncRun) -> list[str]:
    return [type(e).TOPIC for e in aggregate.collect_events()]


def test_a_pending_run_is_claimed_once_and_started_once() -> None:
    r = run()
    topics(r)
    assert r.claim(claim_id="a", worker="w1", now="t1", lease_until="t5")
    assert topics(r) == ["sync.started", "sync.claimed"]
    assert not r.claim(claim_id="b", worker="w2", now="t4", lease_until="t8")
    assert topics(r) == [] and r.holds("a") and not r.holds("b")


def test_a_lapsed_lease_lets_another_worker_take_over() -> None:
    r = run()
    r.claim(claim_id="a", worker="w1", now="t1", lease_until="t5")
    r.record_progress(phase="from_external", counts={}, lease_until="t7", checkpoint={"page": 3})
    assert not r.claimable("t6")
    assert r.claim(claim_id="b", worker="w2", now="t8", lease_until="t9")
    assert (r.holds("b"), r.holds("a"), r.claims, r.checkpoint) == (True, False, 2, {"page": 3})


def test_a_retry_releases_the_run_until_it_is_due() -> None:
    r = run()
    r.claim(claim_id="a", worker="w1", now="t1", lease_until="t5")
    r.schedule_retry(error="HTTP 503", next_retry_at="t6")
    assert (r.status, r.attempt, r.claimable("t5"), r.claimable("t6")) == (
        "pending",
        2,
        False,
        True,
    )
    topics(r)
    r.claim(claim_id="b", worker="w1", now="t6", lease_until="t9")
    assert topics(r) == ["sync.claimed"]


def test_cancel_is_asked_of_a_running_run_and_ends_a_waiting_one() -> None:
    running, waiting = run(), run()
    running.claim(claim_id="a", worker="w1", now="t1", lease_until="t5")
    running.request_cancel()
    assert running.cancel_requested and running.status == "running"
    waiting.cancel()
    assert waiting.status == "cancelled" and not waiting.claimable("t9")


def test_a_cancelled_run_leaves_the_integration_as_the_last_finished_one_did() -> None:
    integration = Integration(
        id=uuid.uuid4(),
        account_id="a",
        site_id="s",  # type: ignore[call-arg]
        platform="wordpress",
        platform_type="cms",
        config={},
        credentials={"ciphertext": "", "fields": [], "api_key_hint": None, "api_key_hash": None},
        is_active=True,
        sync_enabled=True,
    )
    integration.request_sync(sync_id="r1", direction="metadata")
    integration.finish_sync(
        sync_id="r1", outcome="cancelled", error=None, finished_at=datetime.now(UTC)
    )
    assert (integration.sync_status, integration.running_sync_id) == ("never_synced", None)
    assert integration.last_sync_at is None
