"""Remove an integration's sync schedule (runs under way go on; no new ones start)."""

from __future__ import annotations

import msgspec

from app.aggregates.errors import NotFound
from app.aggregates.integration import Integration
from app.aggregates.time import iso
from app.commands.context import Context
from app.commands.health_issues import changed, issues_of
from app.commands.results import Saved
from app.commands.store import Store


class RemoveSchedule(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str


def handle(cmd: RemoveSchedule, store: Store, ctx: Context) -> Saved[Integration]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    if integration.schedule is None:
        raise NotFound("the integration has no schedule")
    integration.remove_schedule()
    issues = issues_of(store, integration)
    issues.resolve(
        "schedule_auto_paused",
        resolution="the schedule was removed",
        at=iso(integration.modified_on),
    )
    return Saved(integration, store.save(integration, *changed(issues), ctx=ctx).position)
