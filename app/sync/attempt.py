"""One attempt at a claimed run: execute it from its checkpoint, then record how it went
(success, a failure, a retry for later, or a cancellation at a checkpoint)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass

from app import logs
from app.aggregates.errors import DomainError, IntegrationNotFound, NotFound
from app.aggregates.integration import Integration
from app.aggregates.sync_run import SyncRun
from app.aggregates.time import iso
from app.commands.store import Store
from app.credentials import CredentialsUnavailable
from app.platforms import PlatformError
from app.queries.content import external_id_for, known_posts
from app.sync.checkpoint import Checkpoint
from app.sync.claims import Claim
from app.sync.clock import Clock, stamp
from app.sync.execution import Plan, execute
from app.sync.recorder import RunCancelled, RunInterrupted, RunRecorder, RunStopped
from app.sync.retries import RetryPolicy, rejects_credentials, retry_after

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempts:
    """What every attempt needs; built once per process."""

    store: Store
    clock: Clock
    lease: float
    policy: RetryPolicy
    pause_after: int
    stopping: Callable[[], bool]
    """True once this process's workers are stopping: runs are released at a checkpoint."""

    def recorder(self, claim: Claim) -> RunRecorder:
        return RunRecorder(
            self.store,
            claim.ctx,
            claim.sync_id,
            claim.claim_id,
            self.clock,
            self.lease,
            self.pause_after,
            self.stopping,
        )

    def run(self, claim: Claim) -> None:
        """Never raises: whatever happens is recorded on the run (or logged)."""
        try:
            with logs.bound(
                sync_id=claim.sync_id,
                integration_id=claim.integration_id,
                request_id=claim.ctx.request_id,
            ):
                self._run(claim, self.recorder(claim), time.perf_counter())
        except RunStopped:
            log.info("sync %s: no longer this worker's (taken over or ended)", claim.sync_id)
        except Exception:
            log.exception("sync %s: recording its outcome failed", claim.sync_id)

    def _run(self, claim: Claim, recorder: RunRecorder, started: float) -> None:
        run = self.store.load(SyncRun, claim.sync_id, NotFound("sync run not found"))
        cp = Checkpoint(counts=dict(run.counts))
        try:
            integration = self.store.load(Integration, run.integration_id, IntegrationNotFound())
            cp = Checkpoint.of(run.checkpoint, integration.pull_watermark)
            with closing(self.store.client_for(integration)) as client:
                execute(self._plan(run, integration), client, recorder, cp)
            self._finished(recorder, cp, _ms(started))
        except RunCancelled:
            recorder.cancel()
        except RunInterrupted:
            recorder.release()
        except PlatformError as exc:
            self._failed(recorder, run, exc, cp, _ms(started))
        except (DomainError, CredentialsUnavailable) as exc:
            recorder.fail(getattr(exc, "detail", None) or str(exc), cp.counts, _ms(started))
        except RunStopped:
            raise
        except Exception:
            error_id = uuid.uuid4().hex
            log.exception("sync %s failed unexpectedly (error %s)", claim.sync_id, error_id)
            recorder.fail(f"internal error (error id {error_id})", cp.counts, _ms(started))

    def _finished(self, recorder: RunRecorder, cp: Checkpoint, duration_ms: int) -> None:
        if cp.failure is not None:
            failed = cp.counts.get("push_failed", 1)
            recorder.fail(f"{failed} item(s) failed; first: {cp.failure}", cp.counts, duration_ms)
        else:
            recorder.complete(cp.counts, duration_ms, cp.watermark)

    def _failed(
        self,
        recorder: RunRecorder,
        run: SyncRun,
        exc: PlatformError,
        cp: Checkpoint,
        duration_ms: int,
    ) -> None:
        if self.policy.retries(exc, run.attempt):
            wait = self.policy.wait_after(run.attempt, retry_after(exc))
            recorder.retry(exc.message, stamp(self.clock, wait))
        else:
            recorder.fail(exc.message, cp.counts, duration_ms, rejects_credentials(exc))

    def _plan(self, run: SyncRun, integration: Integration) -> Plan:
        integration_id, db = str(integration.id), self.store.db
        return Plan(
            platform=integration.platform,
            direction=run.direction,
            config=integration.config,
            content_types=run.content_types,
            items=run.items,
            watermark=integration.pull_watermark,
            requested_at=run.created_on,
            resumed=run.claims > 1 or run.attempt > 1,
            known_external_id=lambda content_id: external_id_for(db, integration_id, content_id),
            known_posts=lambda after, limit: known_posts(db, integration_id, after, limit),
            now=lambda: iso(self.clock.now()),
        )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
