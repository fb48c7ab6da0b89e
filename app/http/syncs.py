"""Syncs, their status and health, the content index, single pulls and structure pushes."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody

from app.aggregates.errors import NotFound
from app.bootstrap import Services
from app.commands import pull_content, request_sync, update_structure
from app.commands.context import Context
from app.http.auth import authorised
from app.http.bodies import ContentId, PostId, Slug, Strict, Text, line
from app.http.calls import context, execute, run
from app.http.guards import HANDLER_AUTHENTICATES, least_role, user_key
from app.http.idempotency import REPLAYED, IdempotencyKey, account_scope, idempotently
from app.http.middleware import request_id_of
from app.http.openapi import USER, problems
from app.http.parameters import Cursor, Filter, Limit, PathId, Seconds
from app.identity import Principal
from app.platforms import ContentItem
from app.queries.content import ContentPage, content_items
from app.queries.content_types import content_types
from app.queries.debug_status import DebugStatus, debug_status
from app.queries.sync_status import SyncRunView, SyncStatus, sync_run, sync_status
from app.reads import Reads
from app.sync import observations

BASE = "/api/v1/integration/integrations"
MAX_WAIT = 60.0


class SyncItemBody(Strict):
    content_id: ContentId
    title: Annotated[str, line(2000, 0)]
    content: Text
    status: Literal["publish", "draft", "pending", "private", "future"]
    post_type: Slug
    external_id: PostId | None = None


class SyncBody(Strict):
    direction: Literal["metadata", "from_external", "to_external", "both", "reconcile"]
    content_types: list[Slug] = []
    items: list[SyncItemBody] = []


class SyncAccepted(msgspec.Struct, kw_only=True):
    sync_id: str
    status: str


class PullBody(Strict):
    content_id: ContentId
    external_id: PostId | None = None
    post_type: Slug | None = None


class PullResult(msgspec.Struct, kw_only=True):
    success: bool
    content_id: str
    external_id: int
    item: ContentItem | None
    error: str | None


class StructureBody(Strict):
    post_types: dict[str, Any]
    taxonomies: dict[str, Any]
    plugin_connection_enabled: bool | None = None
    two_way_sync_enabled: bool | None = None
    timestamp: Annotated[str, line(100, 0)] | None = None


class SyncController(Controller):
    path = "/integrations"
    tags = ["syncs"]
    opt = least_role("editor")

    @post(
        "/{integration_id:str}/sync",
        operation_id="requestSync",
        status_code=202,
        responses={
            **problems(*USER, 404, 409, 413, 415, 422, 501),
            200: ResponseSpec(
                data_container=SyncRunView,
                generate_examples=False,
                description="With `wait`: the run finished in time.",
            ),
        },
        description="Starts a sync in the worker. `wait` (seconds, at most 60) answers 200 "
        "with the finished run, or 202 if it is still running then. A retry with "
        "the same `Idempotency-Key` answers the first 202 and starts nothing.",
    )
    async def request_sync(
        self,
        integration_id: PathId,
        data: JSONBody[SyncBody],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        wait: Seconds = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SyncAccepted | SyncRunView]:
        command = request_sync.RequestSync(
            integration_id=integration_id,
            direction=data.direction,
            content_types=list(data.content_types),
            items=msgspec.to_builtins(data.items),
        )

        async def act(ctx: Context) -> Response[Any]:
            saved = await execute(services, request_sync.handle, command, ctx)
            sync_id = str(saved.aggregate.id)
            return Response(
                SyncAccepted(sync_id=sync_id, status="pending"),
                status_code=202,
                headers={"Location": f"{BASE}/{integration_id}/syncs/{sync_id}/"},
            )

        accepted = await idempotently(
            request,
            services,
            context(principal, request),
            idempotency_key,
            act,
            scope=account_scope(principal),
        )
        if wait and accepted.status_code == 202 and REPLAYED not in accepted.headers:
            sync_id = str(accepted.headers["Location"]).rstrip("/").rpartition("/")[2]
            view = await _await_run(reads, principal, integration_id, sync_id, min(wait, MAX_WAIT))
            if view is not None and view.finished:
                return Response(view, status_code=200, headers=dict(accepted.headers))
        return accepted

    @get(
        "/{integration_id:str}/syncs/{sync_id:str}",
        operation_id="getSyncRun",
        responses=problems(*USER, 404),
    )
    async def get_run(
        self,
        integration_id: PathId,
        sync_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> SyncRunView:
        return await sync_run(
            reads, account_id=principal.account_id, integration_id=integration_id, sync_id=sync_id
        )

    @get(
        "/{integration_id:str}/sync-status",
        operation_id="getSyncStatus",
        responses=problems(*USER, 404),
    )
    async def get_sync_status(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> SyncStatus:
        return await sync_status(
            reads, account_id=principal.account_id, integration_id=integration_id
        )

    @get(
        "/{integration_id:str}/debug-status",
        operation_id="getDebugStatus",
        responses=problems(*USER, 404),
    )
    async def get_debug_status(
        self,
        integration_id: PathId,
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> DebugStatus:
        return await debug_of(services, reads, principal.account_id, integration_id)

    @post(
        "/{integration_id:str}/sync-wordpress-content",
        operation_id="pullContent",
        status_code=200,
        responses=problems(*USER, 404, 413, 415, 501),
    )
    async def pull(
        self,
        integration_id: PathId,
        data: JSONBody[PullBody],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
    ) -> PullResult:
        seen = await run(
            observations.pull_item,
            services.store,
            principal.account_id,
            integration_id,
            data.content_id,
            data.external_id,
            data.post_type,
        )
        command = pull_content.RecordContentPull(
            integration_id=integration_id,
            content_id=data.content_id,
            external_id=seen.external_id,
            post_type=data.post_type,
            item=seen.item,
            error=seen.error,
            duration_ms=seen.duration_ms,
        )
        pulled = await execute(services, pull_content.handle, command, context(principal, request))
        return PullResult(
            success=pulled.item is not None,
            content_id=pulled.content_id,
            external_id=pulled.external_id,
            item=pulled.item,
            error=pulled.error,
        )

    @get(
        "/{integration_id:str}/content", operation_id="listContent", responses=problems(*USER, 404)
    )
    async def content(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        post_type: Filter = None,
        content_id: Filter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> ContentPage:
        return await content_items(
            reads,
            account_id=principal.account_id,
            integration_id=integration_id,
            post_type=post_type,
            content_id=content_id,
            limit=limit,
            cursor=cursor,
        )


class StructureController(Controller):
    path = "/integrations"
    tags = ["syncs"]
    opt = HANDLER_AUTHENTICATES  # the site key or an editor's token, see below

    @post(
        "/{integration_id:str}/update-structure",
        operation_id="updateStructure",
        status_code=200,
        responses=problems(*USER, 404, 413, 415),
        description="From the WordPress plugin (`X-Api-Key`: the site's API key) or an "
        "editor (bearer token).",
    )
    async def update_structure(
        self,
        integration_id: PathId,
        data: JSONBody[StructureBody],
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        request: Request[Any, Any, Any],
        x_api_key: Annotated[str | None, HeaderParameter(name="X-Api-Key")] = None,
    ) -> dict[str, Any]:
        if x_api_key is None:
            principal = authorised(request, "editor")
            await request.app.state.throttle.hit(user_key(principal))
            ctx = context(principal, request)
        else:
            await request.app.state.throttle.hit(f"plugin:{integration_id}")
            ctx = Context(account_id="", actor="site", request_id=request_id_of(request.scope))
        command = update_structure.UpdateStructure(
            integration_id=integration_id, site_api_key=x_api_key, **msgspec.to_builtins(data)
        )
        saved = await execute(services, update_structure.handle, command, ctx)
        return await content_types(
            reads, account_id=saved.aggregate.account_id, integration_id=integration_id
        )


async def _await_run(
    reads: Reads, principal: Principal, integration_id: str, sync_id: str, seconds: float
) -> SyncRunView | None:
    """The run once it finished, or as it stands when `seconds` are up (None while the read
    side has not seen it yet: the run was accepted, its projection lags)."""
    deadline = time.monotonic() + seconds
    delay = 0.01
    while True:
        try:
            view: SyncRunView | None = await sync_run(
                reads,
                account_id=principal.account_id,
                integration_id=integration_id,
                sync_id=sync_id,
            )
        except NotFound:
            view = None
        remaining = deadline - time.monotonic()
        if (view is not None and view.finished) or remaining <= 0:
            return view
        await anyio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.2)


async def debug_of(
    services: Services, reads: Reads, account_id: str, integration_id: str
) -> DebugStatus:
    """The debug status as of the live read side (the API's and the console's)."""
    return await debug_status(
        reads,
        account_id=account_id,
        integration_id=integration_id,
        sync_timeout=services.settings.sync_timeout,
        live=services.read_side.progress.watched,
        head=services.events.head_sql,
    )
