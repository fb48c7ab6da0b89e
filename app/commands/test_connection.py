"""Record a connection test's verdict, success or not (the test itself ran before, in
`app.sync.observations`); a 401/403 opens `credentials_rejected`, a success resolves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from app.aggregates.time import iso
from app.commands.context import Context
from app.commands.health_issues import changed, issues_of
from app.commands.store import Store
from app.platforms import ConnectionResult


class RecordConnectionTest(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    result: ConnectionResult
    duration_ms: int


@dataclass(frozen=True)
class Tested:
    result: ConnectionResult
    tested_at: datetime
    duration_ms: int
    position: int

    @property
    def details(self) -> dict[str, Any]:
        return {"code": self.result.code, **self.result.details}


def handle(cmd: RecordConnectionTest, store: Store, ctx: Context) -> Tested:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    result = cmd.result
    integration.record_connection_test(
        success=result.success,
        message=result.message,
        duration_ms=cmd.duration_ms,
        details={"code": result.code, **result.details},
    )
    issues = issues_of(store, integration)
    issues.connection_tested(
        success=result.success,
        code=result.code,
        message=result.message,
        at=iso(integration.modified_on),
        rules=store.defaults.health,
    )
    position = store.save(integration, *changed(issues), ctx=ctx).position
    return Tested(result, integration.modified_on, cmd.duration_ms, position)
