"""Sync workers: every process that runs them executes runs, up to
`INTEGRATIONS_SYNC_CONCURRENCY` at once, with no leader: runs are claimed through the store
(see claims.py). One dispatcher thread per process requests due scheduled runs, looks for
health issues now and then (health_monitor.py), claims what it has room for, keeps the
leases of the runs it holds alive, and ends runs left behind by workers from before claims
existed. It wakes when this process projects new events (a run
requested here) and otherwise looks every `INTEGRATIONS_SYNC_POLL_INTERVAL` seconds."""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from app.aggregates.time import iso, parse_iso
from app.commands.store import Store
from app.projections.sync_queue import QUEUE
from app.projections.sync_runs import RUNS
from app.settings import Settings
from app.sync.attempt import Attempts
from app.sync.claims import Claim, Claims
from app.sync.clock import Clock
from app.sync.health_monitor import HealthMonitor
from app.sync.recorder import RunRecorder, RunStopped
from app.sync.retries import RetryPolicy
from app.sync.scheduler import Scheduler

log = logging.getLogger(__name__)


class SyncWorkers:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.concurrency = max(1, settings.sync_concurrency)
        self.lease, self.timeout = settings.sync_lease, settings.sync_timeout
        self.poll_interval = settings.sync_poll_interval
        self.claims = Claims(store, clock, self.lease, self.timeout)
        self._stopping = threading.Event()
        self.attempts = Attempts(
            store,
            clock,
            self.lease,
            RetryPolicy.from_settings(settings),
            settings.sync_auto_pause_after,
            self._stopping.is_set,
        )
        self.scheduler = Scheduler(store, clock)
        self.health = HealthMonitor(store, clock, settings)
        self.held: dict[str, tuple[Claim, float]] = {}
        """Runs this process executes, with when their lease was last extended (monotonic)."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._next_sweep = 0.0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sync")
        self._thread = threading.Thread(target=self._loop, name="sync-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Runs under way stop at their next checkpoint and are released to other workers."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _loop(self) -> None:
        backoff = 0.05
        while not self._stopping.is_set():
            try:
                busy = self.step()
                backoff = 0.05
            except Exception:
                log.exception("sync dispatcher failed; retrying in %.1fs", backoff)
                self._stopping.wait(backoff)
                backoff, busy = min(backoff * 2, 5.0), False
            if not busy:
                self._wake.wait(self._until_next_due())
                self._wake.clear()

    def _until_next_due(self) -> float:
        """Seconds to sleep: until the next retry or lease is due, at most a poll interval."""
        try:
            due = self.claims.next_due()
        except Exception:  # the database is away: look again after the interval
            return self.poll_interval
        if due is None:
            return self.poll_interval
        wait = (parse_iso(due) - self.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.poll_interval)

    def step(self) -> bool:
        """One look: due schedules, health issues now and then, heartbeats, the sweep, then
        claims. True when it claimed something and there may be more to claim."""
        self.scheduler.request_due()
        self.health.look_now_and_then()
        self._heartbeat()
        self._sweep_now_and_then()
        free = self.concurrency - len(self.held)
        if free <= 0:
            return False
        candidates = self.claims.due(free * 4)
        random.shuffle(candidates)  # workers looking at once should not all race for one run
        started = 0
        for sync_id in candidates:
            if started == free or self._stopping.is_set():
                break
            if sync_id not in self.held and (claim := self.claims.claim(sync_id)):
                self._submit(claim)
                started += 1
        return started > 0 and len(candidates) > started

    def _submit(self, claim: Claim) -> None:
        assert self._pool is not None
        with self._lock:
            self.held[claim.sync_id] = (claim, time.monotonic())
        self._pool.submit(self._execute, claim)

    def _execute(self, claim: Claim) -> None:
        try:
            self.attempts.run(claim)
        finally:
            with self._lock:
                self.held.pop(claim.sync_id, None)
            self.wake()

    def _heartbeat(self) -> None:
        """Extend the lease of held runs a third of a lease after the last extension."""
        with self._lock:
            stale = [
                claim for claim, at in self.held.values() if time.monotonic() - at > self.lease / 3
            ]
        for claim in stale:
            try:
                self.attempts.recorder(claim).heartbeat()
            except RunStopped:
                continue
            with self._lock:
                if claim.sync_id in self.held:
                    self.held[claim.sync_id] = (claim, time.monotonic())

    def _sweep_now_and_then(self) -> None:
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + min(max(self.timeout / 4, 0.2), 30.0)
            self.sweep()

    def sweep(self, now: datetime | None = None) -> int:
        """Abandon runs started before claims existed that made no progress for the timeout
        (runs with a lease are taken over instead, never abandoned)."""
        cutoff = iso((now or datetime.now(UTC)) - timedelta(seconds=self.timeout))
        rows = self.store.db.all(
            f"SELECT r.sync_id FROM {RUNS} r JOIN {QUEUE} q ON q.sync_id = r.sync_id"
            " WHERE r.status IN ('pending', 'running') AND q.due_at IS NULL"
            " AND r.last_activity_at < ?",
            (cutoff,),
        )
        for row in rows:
            ctx = self.claims.context(row["sync_id"])
            RunRecorder(self.store, ctx, row["sync_id"], None, self.clock, self.lease).abandon(
                f"abandoned: no progress for {self.timeout:.0f}s (worker stopped or stuck)"
            )
        return len(rows)
