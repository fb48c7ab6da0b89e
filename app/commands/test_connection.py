"""Test an integration's connection now, and record the verdict either way."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from app.aggregates.errors import NotSupported
from app.aggregates.integration import Integration
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Store
from app.platforms import ConnectionResult, PlatformClient


class TestConnection(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str


@dataclass(frozen=True)
class Tested:
    result: ConnectionResult
    tested_at: datetime
    duration_ms: int
    position: int

    @property
    def details(self) -> dict[str, Any]:
        return {"code": self.result.code, **self.result.details}


def handle(cmd: TestConnection, store: Store, ctx: Context) -> Tested:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    if integration.platform == "custom":
        raise NotSupported("connection tests are not supported for custom integrations")
    result, duration_ms = run_test(store.client_for(integration))
    return record(store, ctx, cmd.integration_id, result, duration_ms)


def run_test(client: PlatformClient) -> tuple[ConnectionResult, int]:
    started = time.perf_counter()
    with closing(client):
        result = client.test_connection()
    return result, round((time.perf_counter() - started) * 1000)


def record(store: Store, ctx: Context, integration_id: str, result: ConnectionResult,
           duration_ms: int) -> Tested:
    """Append the verdict (re-loading on a concurrent write; the test itself is not re-run)."""

    def append() -> Tested:
        integration: Integration = store.get_integration(integration_id, ctx.account_id)
        integration.record_connection_test(
            success=result.success, message=result.message, duration_ms=duration_ms,
            details={"code": result.code, **result.details})
        recorded = store.save(integration, ctx=ctx)
        return Tested(result, integration.modified_on, duration_ms, recorded.position)

    return with_retries(append)
