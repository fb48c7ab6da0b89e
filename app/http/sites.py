"""Sites and their API keys (admin and above)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.aggregates.time import iso
from app.bootstrap import Services
from app.commands import create_site, rotate_site_api_key
from app.commands.context import Context
from app.http.bodies import CreateSiteBody
from app.http.calls import context, execute
from app.http.guards import least_role
from app.http.idempotency import IdempotencyKey, account_scope, idempotently
from app.http.openapi import USER, problems
from app.http.parameters import Cursor, Limit, PathId
from app.identity import Principal
from app.queries.sites import SitePage, SiteView, site_detail, site_list
from app.reads import Reads


class CreatedSite(msgspec.Struct, kw_only=True):
    id: str
    account_id: str
    name: str
    url: str
    api_key: str
    """Shown once: only a keyed hash is stored."""
    created_at: str


class RotatedKey(msgspec.Struct, kw_only=True):
    api_key: str


class SiteController(Controller):
    path = "/sites"
    tags = ["sites"]
    opt = least_role("admin")

    @post(
        "/",
        operation_id="createSite",
        status_code=201,
        responses=problems(*USER, 409, 413, 415, 422),
    )
    async def create_site(
        self,
        data: JSONBody[CreateSiteBody],
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CreatedSite]:
        command = create_site.CreateSite(name=data.name, url=data.url)

        async def act(ctx: Context) -> Response[Any]:
            created = await execute(services, create_site.handle, command, ctx)
            site = created.site
            return Response(
                CreatedSite(
                    id=str(site.id),
                    account_id=site.account_id,
                    name=site.name,
                    url=site.url,
                    api_key=created.api_key,
                    created_at=iso(site.created_on),
                ),
                status_code=201,
            )

        return await idempotently(
            request,
            services,
            context(principal, request),
            idempotency_key,
            act,
            scope=account_scope(principal),
            secret=True,
        )

    @get("/", operation_id="listSites", responses=problems(*USER))
    async def list_sites(
        self,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SitePage:
        return await site_list(reads, account_id=principal.account_id, limit=limit, cursor=cursor)

    @get("/{site_id:str}", operation_id="getSite", responses=problems(*USER, 404))
    async def get_site(
        self,
        site_id: PathId,
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> SiteView:
        return await site_detail(reads, account_id=principal.account_id, site_id=site_id)

    @post(
        "/{site_id:str}/rotate-api-key",
        operation_id="rotateSiteApiKey",
        status_code=200,
        responses=problems(*USER, 404, 409, 413, 415, 422),
    )
    async def rotate_api_key(
        self,
        site_id: PathId,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[RotatedKey]:
        command = rotate_site_api_key.RotateSiteApiKey(site_id=site_id)

        async def act(ctx: Context) -> Response[Any]:
            rotated = await execute(services, rotate_site_api_key.handle, command, ctx)
            return Response(RotatedKey(api_key=rotated.api_key))

        return await idempotently(
            request,
            services,
            context(principal, request),
            idempotency_key,
            act,
            scope=account_scope(principal),
            secret=True,
        )
