"""Connection tests: an integration's own (editor+), and the WordPress plugin's onboarding
test, authorised by the site's API key."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.aggregates.time import iso
from app.bootstrap import Services
from app.commands import onboard_wordpress, test_connection
from app.commands.context import Context
from app.http.bodies import Strict, Url, Uuid, line
from app.http.calls import context, execute, run
from app.http.guards import HANDLER_AUTHENTICATES, least_role
from app.http.idempotency import IdempotencyKey, account_scope, idempotently
from app.http.middleware import request_id_of
from app.http.openapi import USER, problems
from app.http.parameters import PathId
from app.http.schema_ui import ANYONE
from app.identity import Principal
from app.sync import observations


class ConnectionTestResult(msgspec.Struct, kw_only=True):
    success: bool
    message: str
    details: dict[str, Any]
    tested_at: str
    duration_ms: int


class OnboardingBody(Strict):
    site_id: Uuid
    api_key: Annotated[str, line(512)]
    site_url: Url


class OnboardingResult(msgspec.Struct, kw_only=True):
    success: bool
    message: str
    details: dict[str, Any]
    integration_id: str | None


class ConnectionTestController(Controller):
    path = "/integrations"
    tags = ["connection tests"]

    @post(
        "/{integration_id:str}/test-connection",
        operation_id="testConnection",
        status_code=200,
        opt=least_role("editor"),
        responses=problems(*USER, 404, 409, 413, 415, 422, 501),
    )
    async def test_integration(
        self,
        integration_id: PathId,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ConnectionTestResult]:
        async def act(ctx: Context) -> Response[Any]:
            observed = await run(
                observations.test_connection, services.store, principal.account_id, integration_id
            )
            command = test_connection.RecordConnectionTest(
                integration_id=integration_id,
                result=observed.result,
                duration_ms=observed.duration_ms,
            )
            tested = await execute(services, test_connection.handle, command, ctx)
            return Response(
                ConnectionTestResult(
                    success=tested.result.success,
                    message=tested.result.message,
                    details=tested.details,
                    tested_at=iso(tested.tested_at),
                    duration_ms=tested.duration_ms,
                )
            )

        return await idempotently(
            request,
            services,
            context(principal, request),
            idempotency_key,
            act,
            scope=account_scope(principal),
        )

    @post(
        "/test-connection",
        operation_id="testWordPressOnboarding",
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 413, 415, 422, 429),
        security=[ANYONE],
        opt=HANDLER_AUTHENTICATES,
        description="For the WordPress plugin: no user token needed when `api_key` is the "
        "site's key. Tests first; creates the WordPress integration on success.",
    )
    async def onboard(
        self,
        data: JSONBody[OnboardingBody],
        services: NamedDependency[Services],
        optional_principal: NamedDependency[Principal | None],
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[OnboardingResult]:
        throttle = request.app.state.throttle
        await throttle.hit(f"onboarding-site:{data.site_id}")
        await throttle.hit(f"onboarding-ip:{request.client.host if request.client else '-'}")
        editor = (
            optional_principal
            if optional_principal and optional_principal.at_least("editor")
            else None
        )
        command = onboard_wordpress.OnboardWordPress(
            site_id=data.site_id,
            api_key=data.api_key,
            site_url=data.site_url,
            editor_account_id=editor.account_id if editor else None,
        )
        actor = editor.actor if editor else f"site:{data.site_id}"
        ctx = Context(account_id="", actor=actor, request_id=request_id_of(request.scope))

        async def act(ctx: Context) -> Response[Any]:
            await run(onboard_wordpress.check, command, services.store)
            observed = await run(observations.test_site, services.store, data.site_url)
            tested = msgspec.structs.replace(
                command, result=observed.result, duration_ms=observed.duration_ms
            )
            onboarded = await execute(services, onboard_wordpress.handle, tested, ctx)
            result = onboarded.result
            return Response(
                OnboardingResult(
                    success=result.success,
                    message=result.message,
                    details={"code": result.code, **result.details},
                    integration_id=onboarded.integration_id,
                )
            )

        scope = (
            account_scope(editor)
            if editor
            else f"site:{data.site_id}:{services.hasher.hash(data.api_key)}"
        )
        return await idempotently(request, services, ctx, idempotency_key, act, scope=scope)
