"""Integration CRUD, time travel, SyncEvent log and content types (the timeline and the
webhook log are in `timeline`)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, HeaderParameter, JSONBody

from app.bootstrap import Services
from app.commands import create_integration, delete_integration, update_integration
from app.commands.context import Context
from app.http.bodies import CreateIntegrationBody, SyncStatus, UpdateIntegrationBody
from app.http.calls import IF_MATCH, context, etag, execute, expected_version, run
from app.http.guards import least_role
from app.http.idempotency import IdempotencyKey, account_scope, idempotently
from app.http.openapi import USER, problems
from app.http.parameters import (
    Cursor,
    Filter,
    Flag,
    Limit,
    Moment,
    PathId,
    PlatformFilter,
    SiteFilter,
    Version,
)
from app.identity import Principal
from app.queries.content_types import content_types
from app.queries.integration_at import integration_at
from app.queries.integration_detail import IntegrationView, integration_detail, view_of_aggregate
from app.queries.integration_list import IntegrationFilters, IntegrationPage, integration_list
from app.queries.sync_event_log import SyncEventFilters, SyncEventPage, sync_event_log
from app.reads import Reads

BASE = "/api/v1/integration/integrations"
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        pattern=IF_MATCH,
        max_length=24,
        description='The `ETag` you read (`"3"`): 412 if the integration has changed since.',
    ),
]


class IntegrationController(Controller):
    path = "/integrations"
    tags = ["integrations"]
    opt = least_role("editor")

    @get("/", operation_id="listIntegrations", responses=problems(*USER))
    async def list_integrations(
        self,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        site_id: SiteFilter = None,
        platform: PlatformFilter = None,
        is_active: Flag = None,
        sync_status: FromQuery[SyncStatus | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> IntegrationPage:
        filters = IntegrationFilters(
            site_id=site_id, platform=platform, is_active=is_active, sync_status=sync_status
        )
        return await integration_list(
            reads, account_id=principal.account_id, filters=filters, limit=limit, cursor=cursor
        )

    @post(
        "/",
        operation_id="createIntegration",
        status_code=201,
        responses=problems(*USER, 404, 409, 413, 415, 422),
    )
    async def create_integration(
        self,
        data: JSONBody[CreateIntegrationBody],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[IntegrationView]:
        command = create_integration.CreateIntegration(**msgspec.structs.asdict(data))

        async def act(ctx: Context) -> Response[Any]:
            saved = await execute(services, create_integration.handle, command, ctx)
            view = view_of_aggregate(saved.aggregate)
            return Response(
                view,
                status_code=201,
                headers={"Location": f"{BASE}/{view.id}/", "ETag": etag(view.version)},
            )

        return await idempotently(
            request,
            services,
            context(principal, request),
            idempotency_key,
            act,
            scope=account_scope(principal),
        )

    @get("/{integration_id:str}", operation_id="getIntegration", responses=problems(*USER, 404))
    async def get_integration(
        self,
        integration_id: PathId,
        services: NamedDependency[Services],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        version: Version = None,
        as_of: Moment = None,
    ) -> Response[IntegrationView]:
        if version is None and as_of is None:
            view = await integration_detail(
                reads, account_id=principal.account_id, integration_id=integration_id
            )
        else:
            view = await run(
                integration_at,
                services.events,
                services.db,
                account_id=principal.account_id,
                integration_id=integration_id,
                version=version,
                as_of=as_of,
                include_deleted=principal.at_least("admin"),
            )
        return Response(view, headers={"ETag": etag(view.version)})

    @patch(
        "/{integration_id:str}",
        operation_id="updateIntegration",
        responses=problems(*USER, 404, 409, 412, 413, 415),
    )
    async def update_integration(
        self,
        integration_id: PathId,
        data: JSONBody[UpdateIntegrationBody],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        if_match: IfMatch = None,
    ) -> Response[IntegrationView]:
        command = update_integration.UpdateIntegration(
            integration_id=integration_id,
            config_patch=data.config_json,
            credentials_patch=data.credentials_json,
            is_active=data.is_active,
            sync_enabled=data.sync_enabled,
            expected_version=expected_version(if_match),
        )
        saved = await execute(
            services, update_integration.handle, command, context(principal, request)
        )
        view = view_of_aggregate(saved.aggregate)
        return Response(view, headers={"ETag": etag(view.version)})

    @delete(
        "/{integration_id:str}",
        operation_id="deleteIntegration",
        status_code=204,
        responses=problems(*USER, 404, 409, 412),
    )
    async def delete_integration(
        self,
        integration_id: PathId,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        if_match: IfMatch = None,
    ) -> None:
        command = delete_integration.DeleteIntegration(
            integration_id=integration_id, expected_version=expected_version(if_match)
        )
        await execute(services, delete_integration.handle, command, context(principal, request))

    @get(
        "/{integration_id:str}/sync-events",
        operation_id="listSyncEvents",
        responses=problems(*USER, 404),
    )
    async def sync_events(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        event_type: Filter = None,
        success: Flag = None,
        since: Moment = None,
        until: Moment = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SyncEventPage:
        filters = SyncEventFilters(event_type=event_type, success=success, since=since, until=until)
        return await sync_event_log(
            reads,
            account_id=principal.account_id,
            integration_id=integration_id,
            filters=filters,
            limit=limit,
            cursor=cursor,
        )

    @get(
        "/{integration_id:str}/content-types",
        operation_id="getContentTypes",
        responses=problems(*USER, 404),
    )
    async def content_types(
        self,
        integration_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        return await content_types(
            reads, account_id=principal.account_id, integration_id=integration_id
        )
