"""Cancel a sync run. A run no worker is executing (not started yet, or waiting for its next
attempt) ends at once; a running one is asked to stop, and stops at its next checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from app.aggregates.errors import Conflict, NotFound
from app.aggregates.sync_run import SyncRun
from app.commands.context import Context
from app.commands.results import Saved
from app.commands.store import Store


class CancelSync(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    sync_id: str


def handle(cmd: CancelSync, store: Store, ctx: Context) -> Saved[SyncRun]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    run = store.load(SyncRun, cmd.sync_id, NotFound("sync run not found"))
    if run.integration_id != cmd.integration_id:
        raise NotFound("sync run not found")
    if run.finished:
        raise Conflict(f"the run has already ended ({run.status})")
    if run.status == "running":
        run.request_cancel()
        return Saved(run, store.save(run, ctx=ctx).position)
    run.cancel()
    integration.finish_sync(
        sync_id=cmd.sync_id, outcome="cancelled", error=None, finished_at=datetime.now(UTC)
    )
    return Saved(run, store.save(run, integration, ctx=ctx).position)
