"""An integration's sync schedule (`schedule/`) and cancelling a run (`syncs/{id}/cancel/`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.bootstrap import Services
from app.commands import cancel_sync, remove_schedule, set_schedule
from app.http.bodies import Strict
from app.http.calls import context, execute
from app.http.guards import least_role
from app.http.openapi import USER, problems
from app.identity import Principal
from app.queries.sync_schedule import ScheduleView, sync_schedule
from app.queries.sync_status import SyncRunView, sync_run
from app.reads import Reads
from app.sync.clock import stamp

EVERY = r"^[1-9][0-9]{0,5}[mhd]$"
CRON = r"^[0-9A-Za-z*/,?#LW-]+( +[0-9A-Za-z*/,?#LW-]+){4}$"
"""Five printable fields apart by spaces (croniter checks the rest); no control characters."""


class ScheduleBody(Strict):
    direction: Literal["metadata", "from_external", "both", "reconcile"]
    every: (
        Annotated[
            str,
            msgspec.Meta(min_length=2, max_length=20, pattern=EVERY, examples=["15m", "1h", "1d"]),
        ]
        | None
    ) = None
    cron: (
        Annotated[
            str, msgspec.Meta(min_length=9, max_length=100, pattern=CRON, examples=["*/30 * * * *"])
        ]
        | None
    ) = None
    paused: bool = False


class ScheduleController(Controller):
    path = "/integrations"
    tags = ["syncs"]
    opt = least_role("editor")

    @put(
        "/{integration_id:str}/schedule",
        operation_id="setSchedule",
        responses=problems(*USER, 404, 413, 415, 501),
        description="`every` (`15m`, `1h`, `1d`) or `cron` (five fields). Un-pausing starts "
        "a run at once; a schedule that paused itself is resumed this way.",
    )
    async def set_schedule(
        self,
        integration_id: FromPath[str],
        data: JSONBody[ScheduleBody],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
    ) -> ScheduleView:
        command = set_schedule.SetSchedule(
            integration_id=integration_id, now=stamp(services.clock), **msgspec.structs.asdict(data)
        )
        await execute(services, set_schedule.handle, command, context(principal, request))
        return await sync_schedule(
            reads, account_id=principal.account_id, integration_id=integration_id
        )

    @get(
        "/{integration_id:str}/schedule", operation_id="getSchedule", responses=problems(*USER, 404)
    )
    async def get_schedule(
        self,
        integration_id: FromPath[str],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> ScheduleView:
        return await sync_schedule(
            reads, account_id=principal.account_id, integration_id=integration_id
        )

    @delete(
        "/{integration_id:str}/schedule",
        operation_id="removeSchedule",
        status_code=204,
        responses=problems(*USER, 404),
    )
    async def remove_schedule(
        self,
        integration_id: FromPath[str],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
    ) -> None:
        command = remove_schedule.RemoveSchedule(integration_id=integration_id)
        await execute(services, remove_schedule.handle, command, context(principal, request))

    @post(
        "/{integration_id:str}/syncs/{sync_id:str}/cancel",
        operation_id="cancelSync",
        status_code=202,
        responses=problems(*USER, 404, 409, 413, 415),
        description="A run not executing now ends at once (`cancelled`); a running one is "
        "asked to stop (`cancel_requested`) and stops at its next checkpoint.",
    )
    async def cancel(
        self,
        integration_id: FromPath[str],
        sync_id: FromPath[str],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
    ) -> Response[SyncRunView]:
        command = cancel_sync.CancelSync(integration_id=integration_id, sync_id=sync_id)
        await execute(services, cancel_sync.handle, command, context(principal, request))
        view = await sync_run(
            reads, account_id=principal.account_id, integration_id=integration_id, sync_id=sync_id
        )
        return Response(view, status_code=200 if view.finished else 202)
