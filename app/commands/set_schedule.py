"""Give an integration a sync schedule (or change, pause or resume it). Resuming a paused
schedule starts a run at once; a schedule that paused itself is resumed this way too."""

from __future__ import annotations

import msgspec

from app.aggregates.errors import FieldError, ValidationFailed
from app.aggregates.integration import Integration
from app.aggregates.schedule import check_cron, every_seconds
from app.commands.context import Context
from app.commands.health_issues import changed, issues_of
from app.commands.request_sync import check_supported
from app.commands.results import Saved
from app.commands.store import Store


class SetSchedule(msgspec.Struct, frozen=True, kw_only=True):
    integration_id: str
    direction: str
    every: str | None = None
    cron: str | None = None
    paused: bool = False
    now: str
    """The service clock's time: the schedule's due times count from it."""


def handle(cmd: SetSchedule, store: Store, ctx: Context) -> Saved[Integration]:
    integration = store.get_integration(cmd.integration_id, ctx.account_id)
    check_supported(integration.platform, cmd.direction)
    if cmd.direction == "to_external":
        raise ValidationFailed(
            [FieldError("direction", "to_external needs items: a schedule cannot push")]
        )
    integration.set_schedule(
        direction=cmd.direction, every=_every(cmd), cron=_cron(cmd), paused=cmd.paused, now=cmd.now
    )
    issues = issues_of(store, integration)
    if not cmd.paused:
        issues.schedule_resumed(at=cmd.now)
    return Saved(integration, store.save(integration, *changed(issues), ctx=ctx).position)


def _every(cmd: SetSchedule) -> int | None:
    if (cmd.every is None) == (cmd.cron is None):
        raise ValidationFailed([FieldError("every", "give every or cron (one of them)")])
    try:
        return None if cmd.every is None else every_seconds(cmd.every)
    except ValueError as exc:
        raise ValidationFailed([FieldError("every", str(exc))]) from None


def _cron(cmd: SetSchedule) -> str | None:
    if cmd.cron is None:
        return None
    try:
        check_cron(cmd.cron)
    except ValueError as exc:
        raise ValidationFailed([FieldError("cron", str(exc))]) from None
    return " ".join(cmd.cron.split())
