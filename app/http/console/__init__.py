"""The operator console at `/console/`: server-rendered HTML (Jinja) with a little htmx, every
asset served by the service itself, behind the same tokens, roles and account scoping as the
API (carried in a cookie, see `session`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from app.http.console.errors import PAGE_ERRORS
from app.http.console.pages import IntegrationPages, ProjectionPages
from app.http.console.session import PATH, SessionController
from app.http.schema_ui import FAVICON, HTMX, STATIC_PATH

TEMPLATES = Path(__file__).parent / "templates"
CONTENT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
"""The browser itself refuses anything not served by the service (no CDN, no inline code)."""


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    def add_globals(engine: JinjaTemplateEngine) -> None:
        engine.engine.globals.update(htmx=HTMX, static=STATIC_PATH, favicon=FAVICON, console=PATH)

    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=add_globals
    )


def console_router(jwt_secret: str) -> Router:
    """Pages, with CSRF checks on their forms (a token signed with a key derived from the
    JWT secret, so every worker accepts every other's forms)."""
    csrf = CSRFConfig(
        secret=hashlib.sha256(b"console-csrf:" + jwt_secret.encode()).hexdigest(),
        cookie_name="integrations_console_csrf",
        cookie_path=PATH,
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="strict",
        header_name="x-csrf-token",
    )
    return Router(
        path=PATH,
        route_handlers=[SessionController, IntegrationPages, ProjectionPages],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
        response_headers={
            "Content-Security-Policy": CONTENT_POLICY,
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
        },
    )
