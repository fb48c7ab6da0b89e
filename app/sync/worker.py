"""The sync worker, driven by the event stream.

It follows `sync.requested` events with its own tracking position. Starting a run (the
`sync.started` events) commits in the same transaction as that position, so each requested
run is started exactly once, even across crashes; the run itself then executes in a thread
pool. A sweep records `sync.abandoned` for runs that made no progress within
`INTEGRATIONS_SYNC_TIMEOUT`, which covers runs whose worker died."""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta

from app import logs
from app.aggregates.errors import DomainError, IntegrationNotFound, NotFound
from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.credentials import CredentialsUnavailable
from app.eventstore import Statement, metadata_of
from app.platforms import PlatformError
from app.projection_engine.follower import Follower
from app.projection_engine.listener import Listener
from app.projections.integration_summaries import SUMMARIES
from app.projections.sync_runs import RUNS
from app.queries.content import external_id_for
from app.settings import Settings
from app.sync.execution import Plan, execute
from app.sync.recorder import RunRecorder, RunStopped

log = logging.getLogger(__name__)
NAME = "sync_worker"
REQUESTED = "sync.requested"
SAVE_EVERY = 2.0


class SyncWorker:
    def __init__(self, store: Store, settings: Settings, listener: Listener | None) -> None:
        self.store = store
        self.timeout = settings.sync_timeout
        self.pool = ThreadPoolExecutor(settings.sync_concurrency, thread_name_prefix="sync")
        self.follower = Follower(NAME, self.step, listener)
        self._position: int | None = None
        self._saved_at = 0.0
        self._next_sweep = 0.0

    def start(self) -> None:
        self.follower.start()

    def stop(self) -> None:
        self.follower.stop()
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self._position is not None:
            self._saved_at = 0.0
            self._save_position()
            self._position = None

    def step(self) -> int:
        """Dispatch the next requested runs; sweep for stuck ones now and then."""
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + min(max(self.timeout / 4, 0.2), 30.0)
            self.sweep()
        after = self._position if self._position is not None else self.position()
        notifications = self.store.events.read(after, 100)
        for notification in notifications:
            if notification.topic == REQUESTED:
                self._dispatch(self.store.events.decode(notification), notification.id)
        if notifications:
            self._position = notifications[-1].id
            self._save_position()
        return len(notifications)

    def _save_position(self) -> None:
        """Past events that start no run need not be re-read after a restart, but reading a
        few seconds of them again is harmless (a started run is never started twice), so the
        position is written at most every `SAVE_EVERY` seconds, not once per batch."""
        if self._position is not None and time.monotonic() - self._saved_at >= SAVE_EVERY:
            self.store.db.run(self._advance(self._position))
            self._saved_at = time.monotonic()

    def position(self) -> int:
        return int(self.store.db.value("SELECT position FROM projection_tracking WHERE name = ?",
                                       (NAME,)) or 0)

    def sweep(self, now: datetime | None = None) -> int:
        """Abandon runs with no progress for longer than the timeout."""
        cutoff = iso((now or datetime.now(UTC)) - timedelta(seconds=self.timeout))
        rows = self.store.db.all(
            f"SELECT sync_id, integration_id FROM {RUNS} WHERE status IN ('pending', 'running')"
            " AND last_activity_at < ?", (cutoff,))
        for row in rows:
            ctx = self._context(row["integration_id"], "")
            RunRecorder(self.store, ctx, row["sync_id"]).abandon(
                f"abandoned: no progress for {self.timeout:.0f}s (worker stopped or stuck)")
        return len(rows)

    def _advance(self, position: int) -> Statement:
        return Statement("UPDATE projection_tracking SET position = ? WHERE name = ?"
                         " AND position < ?", (position, NAME, position))

    def _dispatch(self, requested: SyncRun.Created, position: int) -> None:
        sync_id = str(requested.originator_id)
        ctx = self._context(requested.integration_id, metadata_of(requested).request_id)
        if with_retries(lambda: self._start(sync_id, requested, position, ctx),
                        name="StartSyncRun"):
            self.pool.submit(self._execute, sync_id, ctx, requested.integration_id)

    def _start(self, sync_id: str, requested: SyncRun.Created, position: int,
               ctx: Context) -> bool:
        run = self.store.load(SyncRun, sync_id, NotFound("sync run not found"))
        if run.status != "pending":
            return False
        integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
        age = (datetime.now(UTC) - requested.timestamp).total_seconds()
        if age > self.timeout:
            run.abandon(f"abandoned: not started within {self.timeout:.0f}s")
            integration.finish_sync(sync_id=sync_id, outcome="abandoned", error=run.error,
                                    finished_at=datetime.now(UTC))
        else:
            run.start()
            integration.start_sync(sync_id)
        self.store.save(run, integration, ctx=ctx, statements=[self._advance(position)])
        return run.status == "running"

    def _execute(self, sync_id: str, ctx: Context, integration_id: str) -> None:
        with logs.bound(sync_id=sync_id, integration_id=integration_id,
                        request_id=ctx.request_id):
            try:
                self._run(sync_id, ctx)
            except Exception:
                log.exception("sync %s: recording its outcome failed", sync_id)

    def _run(self, sync_id: str, ctx: Context) -> None:
        started = time.perf_counter()
        recorder = RunRecorder(self.store, ctx, sync_id)
        counts: dict[str, int] = {}

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            run = self.store.load(SyncRun, sync_id, NotFound("sync run not found"))
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            with closing(self.store.client_for(integration)) as client:
                outcome = execute(self._plan(run, integration), client, recorder)
            counts = dict(outcome.counts)
            if outcome.failures:
                recorder.fail(f"{len(outcome.failures)} item(s) failed; first: "
                              f"{outcome.failures[0]}", counts, elapsed())
            else:
                recorder.complete(counts, elapsed(), outcome.watermark)
        except RunStopped:
            log.info("sync %s stopped: it was abandoned while running", sync_id)
        except (PlatformError, DomainError, CredentialsUnavailable) as exc:
            recorder.fail(getattr(exc, "message", None) or str(exc), counts, elapsed())
        except Exception:
            error_id = uuid.uuid4().hex
            log.exception("sync %s failed unexpectedly (error %s)", sync_id, error_id)
            recorder.fail(f"internal error (error id {error_id})", counts, elapsed())

    def _plan(self, run: SyncRun, integration: Integration) -> Plan:
        integration_id = str(integration.id)
        return Plan(
            platform=integration.platform, direction=run.direction, config=integration.config,
            content_types=run.content_types, items=run.items,
            watermark=integration.pull_watermark,
            known_external_id=lambda content_id: external_id_for(self.store.db, integration_id,
                                                                 content_id),
            now=lambda: iso(datetime.now(UTC)))

    def _context(self, integration_id: str, request_id: str) -> Context:
        account = self.store.db.value(f"SELECT account_id FROM {SUMMARIES} WHERE id = ?",
                                      (integration_id,))
        return Context(account_id=account or "", actor="system", request_id=request_id)
