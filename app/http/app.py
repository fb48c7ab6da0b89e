"""The Litestar application factory: routes, DI, errors, OpenAPI, lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin

from app import __version__
from app.bootstrap import Services
from app.http.auth import provide_optional_principal, provide_principal
from app.http.connection_tests import ConnectionTestController
from app.http.events import EventController
from app.http.guards import json_only
from app.http.health import HealthController, explain_problem
from app.http.integrations import IntegrationController
from app.http.middleware import request_ids
from app.http.problems import EXCEPTION_HANDLERS
from app.http.sites import SiteController
from app.http.syncs import StructureController, SyncController
from app.http.throttle import Throttle
from app.http.webhooks import WebhookController

BODY_LIMIT = 64 * 1024


async def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def create_app(services: Services, *, manage_lifecycle: bool = True) -> Litestar:
    """Serve `services`; with `manage_lifecycle` the app starts and closes its workers."""

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if manage_lifecycle:
            services.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                services.close()

    api = Router(path="/api/v1/integration",
                 route_handlers=[IntegrationController, ConnectionTestController,
                                 SyncController, StructureController, SiteController,
                                 EventController, WebhookController])
    return Litestar(
        route_handlers=[api, HealthController, explain_problem],
        dependencies={
            "services": Provide(provide_services),
            "principal": Provide(provide_principal),
            "optional_principal": Provide(provide_optional_principal),
        },
        guards=[json_only],
        middleware=[request_ids],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=BODY_LIMIT,
        state=State({"services": services,
                     "throttle": Throttle(services.settings.rate_limit,
                                          services.settings.redis_url)}),
        openapi_config=OpenAPIConfig(
            title="Integrations Service", version=__version__, path="/schema",
            render_plugins=[ScalarRenderPlugin(), JsonRenderPlugin()],
            description="Connections between customer sites and external platforms. Every "
                        "error is application/problem+json; see /problems/{slug}.",
        ),
        lifespan=[lifespan],
        logging_config=None,
    )


def asgi(**overrides: Any) -> Litestar:
    """Entry point for uvicorn workers (`app.http.app:asgi`, factory mode)."""
    from app.settings import load_settings

    services = Services(load_settings(**overrides), create_tables=False)
    return create_app(services)
