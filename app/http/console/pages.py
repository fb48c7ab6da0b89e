"""The console's pages: thin views over the read side's queries, rendered by Jinja.

Sections of the integration page are partials (`_*.html`), each over its own query."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from app.aggregates.errors import IntegrationNotFound, NotFound
from app.bootstrap import Services
from app.commands import request_sync, set_schedule
from app.http.calls import context, execute, run
from app.http.console.session import PATH, signed_in
from app.http.syncs import debug_of
from app.identity import Principal
from app.queries.health_issues import open_kinds
from app.queries.health_overview import health_by_integration
from app.queries.integration_detail import integration_detail
from app.queries.integration_list import IntegrationFilters, integration_list
from app.queries.integration_timeline import TimelineFilters, integration_timeline
from app.queries.sync_event_log import SyncEventFilters, sync_event_log
from app.queries.sync_run_list import recent_sync_runs
from app.queries.sync_schedule import ScheduleView, sync_schedule
from app.queries.webhook_deliveries import webhook_deliveries
from app.reads import Reads
from app.sync.clock import stamp

HISTORY = 50
WEBHOOK_LOG = 20
TIMELINE_SOURCES = ("integration", "sync", "webhook", "health")
EVENT_TYPES = ("sync", "connection_test", "structure", "content", "webhook", "config")
PLATFORMS = ("wordpress", "shopify", "custom")
SYNC_STATUSES = ("never_synced", "pending", "syncing", "success", "failed")


class SyncForm(msgspec.Struct, kw_only=True):
    direction: Literal["metadata", "from_external", "to_external", "both"] = "metadata"


class ScheduleForm(msgspec.Struct, kw_only=True):
    """A new schedule, or an existing one paused or resumed (its fields sent back as they
    are); the command validates as the API's `PUT …/schedule/` does."""

    direction: Literal["metadata", "from_external", "both", "reconcile"] = "metadata"
    every: str = ""
    cron: str = ""
    paused: Literal["true", "false"] = "false"


def _blank(value: str | None) -> str | None:
    return value or None


async def list_context(
    services: Services,
    reads: Reads,
    principal: Principal,
    filters: IntegrationFilters,
    cursor: str | None,
) -> dict[str, Any]:
    page = await integration_list(
        reads, account_id=principal.account_id, filters=filters, cursor=cursor
    )
    shown = [i.id for i in page.results]
    health = await health_by_integration(reads, shown, sync_timeout=services.settings.sync_timeout)
    issues = await open_kinds(reads, principal.account_id, shown)
    query = {**msgspec.structs.asdict(filters), "cursor": page.next_cursor}
    query["is_active"] = {True: "yes", False: "no"}.get(query["is_active"])
    return {
        "page": page,
        "health": health,
        "issues": issues,
        "filters": filters,
        "platforms": PLATFORMS,
        "sync_statuses": SYNC_STATUSES,
        "next_query": page.next_cursor
        and urlencode({k: v for k, v in query.items() if v is not None}),
    }


async def runs_context(reads: Reads, principal: Principal, integration_id: str) -> dict[str, Any]:
    runs = await recent_sync_runs(
        reads, account_id=principal.account_id, integration_id=integration_id
    )
    return {
        "integration_id": integration_id,
        "runs": runs,
        "live": any(not run.finished for run in runs),
    }


async def schedule_of(
    reads: Reads, principal: Principal, integration_id: str
) -> ScheduleView | None:
    """The integration's schedule, None when it has none (an unknown one is still a 404)."""
    try:
        return await sync_schedule(
            reads, account_id=principal.account_id, integration_id=integration_id
        )
    except IntegrationNotFound:
        raise
    except NotFound:
        return None


async def detail_context(
    services: Services,
    reads: Reads,
    principal: Principal,
    integration_id: str,
    event_type: str | None,
    cursor: str | None,
) -> dict[str, Any]:
    account = principal.account_id
    integration = await integration_detail(reads, account_id=account, integration_id=integration_id)
    debug = await debug_of(services, reads, account, integration_id)
    log = await sync_event_log(
        reads,
        account_id=account,
        integration_id=integration_id,
        filters=SyncEventFilters(event_type=event_type),
        cursor=cursor,
    )
    older = {"event_type": event_type, "cursor": log.next_cursor}
    return {
        "integration": integration,
        "debug": debug,
        "log": log,
        "event_type": event_type,
        "event_types": EVENT_TYPES,
        "details_of": details_of,
        "older_query": urlencode({k: v for k, v in older.items() if v}),
        "schedule": await schedule_of(reads, principal, integration_id),
        **await runs_context(reads, principal, integration_id),
    }


async def timeline_context(
    reads: Reads,
    principal: Principal,
    integration_id: str,
    source: str | None,
    cursor: str | None,
) -> dict[str, Any]:
    """The timeline across streams (newest first, filtered by where events come from) and
    the webhook log."""
    kind = source if source in TIMELINE_SOURCES else None
    account = principal.account_id
    timeline = await integration_timeline(
        reads,
        account_id=account,
        integration_id=integration_id,
        include_deleted=False,
        filters=TimelineFilters(type=kind and f"{kind}."),
        limit=HISTORY,
        cursor=cursor,
        newest_first=True,
    )
    older = {"timeline": kind, "timeline_cursor": timeline.next_cursor}
    return {
        "timeline": timeline,
        "timeline_source": kind,
        "timeline_sources": TIMELINE_SOURCES,
        "older_timeline_query": urlencode({k: v for k, v in older.items() if v}),
        "webhook_log": await webhook_deliveries(
            reads,
            account_id=account,
            integration_id=integration_id,
            include_deleted=False,
            limit=WEBHOOK_LOG,
        ),
    }


def details_of(details: dict[str, Any]) -> str:
    """A SyncEvent entry's details on one line (scalars only; lists are counted)."""
    parts = [
        f"{k} {len(v) if isinstance(v, list | dict) else v}"
        for k, v in details.items()
        if v is not None
    ]
    text = ", ".join(parts)
    return text if len(text) <= 200 else text[:199] + "…"


class IntegrationPages(Controller):
    path = "/"
    guards = [signed_in("editor")]

    @get("/", name="console_home")
    async def integrations(
        self,
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        platform: FromQuery[str | None] = None,
        sync_status: FromQuery[str | None] = None,
        is_active: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        filters = IntegrationFilters(
            platform=_blank(platform),
            sync_status=_blank(sync_status),
            site_id=_blank(site_id),
            is_active={"yes": True, "no": False}.get(is_active or ""),
        )
        return Template(
            "integrations.html",
            context=await list_context(services, reads, principal, filters, _blank(cursor)),
        )

    @get("/integrations/{integration_id:str}", name="console_integration")
    async def integration(
        self,
        integration_id: FromPath[str],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        event_type: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        timeline: FromQuery[str | None] = None,
        timeline_cursor: FromQuery[str | None] = None,
    ) -> Template:
        context = await detail_context(
            services, reads, principal, integration_id, _blank(event_type), _blank(cursor)
        )
        context |= await timeline_context(
            reads, principal, integration_id, _blank(timeline), _blank(timeline_cursor)
        )
        return Template("integration.html", context=context)

    @get("/integrations/{integration_id:str}/sync-runs")
    async def sync_runs(
        self,
        integration_id: FromPath[str],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> Template:
        """The runs section alone: htmx polls it while a run is live."""
        return Template(
            "_sync_runs.html", context=await runs_context(reads, principal, integration_id)
        )

    @post("/integrations/{integration_id:str}/sync", status_code=303)
    async def start_sync(
        self,
        integration_id: FromPath[str],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: Annotated[SyncForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        command = request_sync.RequestSync(
            integration_id=integration_id, direction=data.direction, content_types=[], items=[]
        )
        await execute(services, request_sync.handle, command, context(principal, request))
        return Redirect(f"{PATH}/integrations/{integration_id}#sync-runs", status_code=303)

    @post("/integrations/{integration_id:str}/schedule", status_code=303)
    async def set_schedule(
        self,
        integration_id: FromPath[str],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: Annotated[ScheduleForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        """Schedule, pause or resume (resuming starts a run at once, as the API does)."""
        command = set_schedule.SetSchedule(
            integration_id=integration_id,
            direction=data.direction,
            every=_blank(data.every.strip()),
            cron=_blank(data.cron.strip()),
            paused=data.paused == "true",
            now=stamp(services.clock),
        )
        await execute(services, set_schedule.handle, command, context(principal, request))
        return Redirect(f"{PATH}/integrations/{integration_id}#schedule", status_code=303)


class ProjectionPages(Controller):
    path = "/projections"
    guards = [signed_in("admin")]

    @get("/", name="console_projections")
    async def projections(self, services: NamedDependency[Services]) -> Template:
        status = await run(services.projection_status)
        return Template("projections.html", context={"status": status})
