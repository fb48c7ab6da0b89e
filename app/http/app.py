"""The Litestar application factory: routes, DI, errors, OpenAPI, lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide

from app.bootstrap import Services
from app.http.auth import provide_optional_principal, provide_principal
from app.http.connection_tests import ConnectionTestController
from app.http.console import console_router, template_config
from app.http.dependencies import provide_reads, provide_services
from app.http.events import EventController
from app.http.guards import check_edges, edge
from app.http.health import HealthController, explain_problem
from app.http.integrations import IntegrationController
from app.http.methods import answer_options
from app.http.metrics import HTTP_METRICS, MetricsController
from app.http.middleware import request_ids
from app.http.openapi import refine
from app.http.problems import EXCEPTION_HANDLERS
from app.http.schedules import ScheduleController
from app.http.schema_ui import BEARER, SITE_KEY, openapi_config, static_files
from app.http.sites import SiteController
from app.http.syncs import StructureController, SyncController
from app.http.throttle import Throttle
from app.http.timeline import TimelineController
from app.http.webhooks import WebhookController
from app.reads import reads_for

BODY_LIMIT = 64 * 1024
API = "/api/v1/integration"


def create_app(services: Services, *, manage_lifecycle: bool = True) -> Litestar:
    """Serve `services`; with `manage_lifecycle` the app starts and closes its workers."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if manage_lifecycle:
            services.start()
        app.state.reads = reads_for(services.settings)  # both bound to this app's event loop
        app.state.throttle = Throttle(services.settings.rate_limit, services.settings.redis_url)
        await app.state.reads.open()
        try:
            yield
        finally:
            await app.state.reads.close()
            await app.state.throttle.close()
            if manage_lifecycle:
                services.close()

    api = [  # JSON bodies only; grouped by the credentials they take (OpenAPI security);
        # one guard per route (app/http/guards.py)
        Router(
            path=API,
            guards=[edge],
            security=[BEARER],
            route_handlers=[
                IntegrationController,
                ConnectionTestController,
                SyncController,
                SiteController,
                EventController,
                ScheduleController,
                TimelineController,
            ],
        ),
        Router(
            path=API,
            guards=[edge],
            security=[BEARER, SITE_KEY],
            route_handlers=[StructureController],
        ),
        Router(path=API, security=[SITE_KEY], route_handlers=[WebhookController]),
    ]
    app = Litestar(
        route_handlers=[
            *api,
            HealthController,
            explain_problem,
            MetricsController,
            console_router(services.secrets.jwt_secret),
            static_files(),
        ],
        dependencies={
            "services": Provide(provide_services),
            "reads": Provide(provide_reads),
            "principal": Provide(provide_principal),
            "optional_principal": Provide(provide_optional_principal),
        },
        before_request=answer_options,
        middleware=[request_ids, HTTP_METRICS.middleware],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=BODY_LIMIT,
        state=State(
            {
                "services": services,
            }
        ),
        openapi_config=openapi_config(),
        template_config=template_config(),
        lifespan=[lifespan],
        logging_config=None,
    )
    check_edges(app)
    refine(app)
    return app


def asgi(**overrides: Any) -> Litestar:
    """Entry point for uvicorn workers (`app.http.app:asgi`, factory mode)."""
    from app.logs import configure_logging
    from app.settings import load_settings

    settings = load_settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)  # uvicorn workers start bare
    services = Services(settings, create_tables=False)
    return create_app(services)
